import NoraCore
import Testing

@Suite struct AccessPolicyTests {
    static func user(_ role: Role) -> Identity {
        Identity(name: "u-\(role)", role: role, credential: .password)
    }

    @Test func authDisabledAllowsEverything() throws {
        for anonymousRead in [false, true] {
            let policy = AccessPolicy(authEnabled: false, anonymousRead: anonymousRead)
            for role in Role.allCases {
                try policy.authorize(nil, needs: role)
                for held in Role.allCases { try policy.authorize(Self.user(held), needs: role) }
            }
        }
    }

    @Test func anonymousReadAllowsOnlyRead() throws {
        let policy = AccessPolicy(authEnabled: true, anonymousRead: true)
        try policy.authorize(nil, needs: .read)
        for role in [Role.write, .admin] {
            let error = #expect(throws: AppError.self) { try policy.authorize(nil, needs: role) }
            #expect(error?.kind == .unauthorized)
            #expect(error?.status.code == 401)
        }
    }

    @Test func anonymousWithoutAnonymousReadIs401() {
        let policy = AccessPolicy(authEnabled: true, anonymousRead: false)
        for role in Role.allCases {
            let error = #expect(throws: AppError.self) { try policy.authorize(nil, needs: role) }
            #expect(error?.kind == .unauthorized)
        }
    }

    @Test func insufficientRoleIs403() {
        let policy = AccessPolicy(authEnabled: true, anonymousRead: true)
        let cases: [(Role, Role)] = [(.read, .write), (.read, .admin), (.write, .admin)]
        for (held, needed) in cases {
            let error = #expect(throws: AppError.self) { try policy.authorize(Self.user(held), needs: needed) }
            #expect(error?.kind == .forbidden)
            #expect(error?.status.code == 403)
            #expect(error?.message.contains("u-\(held)") == true)
            #expect(error?.message.contains(needed.name) == true)
        }
    }

    @Test func sufficientRoleIsAllowed() throws {
        let policy = AccessPolicy(authEnabled: true, anonymousRead: false)
        for held in Role.allCases {
            for needed in Role.allCases where needed <= held {
                try policy.authorize(Self.user(held), needs: needed)
            }
        }
        // A token identity is judged by its role like any other.
        try policy.authorize(Identity(name: "ci", role: .write, credential: .token(id: "t1")), needs: .write)
    }

    @Test func denyAllFailsClosedForAnonymous() throws {
        #expect(AccessPolicy.denyAll.authEnabled)
        #expect(!AccessPolicy.denyAll.anonymousRead)
        let error = #expect(throws: AppError.self) { try AccessPolicy.denyAll.authorize(nil, needs: .read) }
        #expect(error?.kind == .unauthorized)
        try AccessPolicy.denyAll.authorize(Self.user(.admin), needs: .admin)
    }

    @Test func roleOrdering() {
        #expect(Role.read < Role.write)
        #expect(Role.write < Role.admin)
        #expect(Role.read < Role.admin)
        #expect(!(Role.admin < Role.read))
        #expect(Role.allCases.sorted() == [.read, .write, .admin])
        #expect(Role.allCases.max() == .admin)
    }

    @Test func roleNames() {
        #expect(Role(name: "read") == .read)
        #expect(Role(name: "WRITE") == .write)
        #expect(Role(name: "Admin") == .admin)
        #expect(Role(name: "root") == nil)
        #expect(Role(name: "") == nil)
        for role in Role.allCases {
            #expect(Role(name: role.name) == role)
            #expect(role.description == role.name)
        }
    }

    @Test func identityEquality() {
        let a = Identity(name: "x", role: .read, credential: .token(id: "1"))
        #expect(a == Identity(name: "x", role: .read, credential: .token(id: "1")))
        #expect(a != Identity(name: "x", role: .read, credential: .token(id: "2")))
        #expect(a != Identity(name: "x", role: .read, credential: .password))
        #expect(a != Identity(name: "x", role: .write, credential: .token(id: "1")))
    }
}
