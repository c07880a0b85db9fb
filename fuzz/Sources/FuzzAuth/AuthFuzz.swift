// htpasswd files (read at start-up and on reload).
public enum AuthFuzz {
    public static let targets: [(String, @Sendable ([UInt8]) -> Void)] = [("htpasswd", htpasswd)]

    static func htpasswd(_ bytes: [UInt8]) {
        guard let file = try? Htpasswd(contents: String(decoding: bytes, as: UTF8.self)) else { return }
        for user in file.userNames { precondition(file.contains(user)) }
    }
}
