@testable import NoraCargo
import NoraCore
@testable import NoraGo
@testable import NoraPyPI
import Testing

/// The pure parts of the listings: queries, and the small parsers behind package pages.
@Suite struct ListingLogicTests {
    @Test func queryTrimsTheFilterAndClampsPaging() {
        let query = ListingQuery(filter: "  A_b%c\\d ", sort: .updated, limit: 5000, offset: -3)
        #expect(query.filter == "A_b%c\\d")
        #expect(query.limit == ListingQuery.maxLimit)
        #expect(query.offset == 0)
        #expect(query.fetchLimit == ListingQuery.maxLimit + 1)
        #expect(ListingQuery(filter: "   ").filter == nil)
        #expect(ListingQuery(limit: 0).limit == 1)
    }

    @Test func pageTellsWhetherMoreExist() {
        let items = (0..<3).map { PackageSummary(format: .raw, name: "f\($0)", latestVersion: nil, description: nil, updatedAt: 0) }
        let page = ListingPage(items: items, query: ListingQuery(limit: 2))
        #expect(page.items.count == 2)
        #expect(page.hasMore)
        #expect(!ListingPage(items: Array(items.prefix(2)), query: ListingQuery(limit: 2)).hasMore)
    }

    @Test func pypiMetadataGivesSummaryDescriptionAndRequirements() {
        let text = "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nSummary: A <b>demo</b>\nRequires-Dist: requests>=2\n"
            + "Requires-Dist: click; extra == \"cli\"\n\n# Demo\n\nLong text.\n"
        let meta = MetadataText(text)
        #expect(meta.summary == "A <b>demo</b>")
        #expect(meta.requires == ["requests>=2", "click; extra == \"cli\""])
        #expect(meta.body == "# Demo\n\nLong text.")
        #expect(MetadataText("Name: x\nDescription: short\n").body == "short")
    }

    @Test func goModRequirementsInBothForms() {
        let mod = """
        module example.com/app

        go 1.22

        require example.com/one v1.2.3 // indirect
        require (
            example.com/two v0.1.0
            // a comment
            example.com/three v3.0.0+incompatible
        )
        """
        #expect(GoListing.requirements(mod) == ["example.com/one v1.2.3", "example.com/two v0.1.0", "example.com/three v3.0.0+incompatible"])
    }

    @Test func cargoDependenciesFromIndexLine() {
        let line = #"{"name":"app","vers":"1.0.0","deps":[{"name":"serde","req":"^1","features":[],"optional":false,"default_features":true,"target":null,"kind":"normal"},{"name":"x","req":"=0.1","features":[],"optional":false,"default_features":true,"target":null,"kind":"dev","package":"real-x"}],"cksum":"00","features":{},"yanked":false}"#
        #expect(CargoListing.dependencies(line) == ["serde ^1", "real-x (as x) =0.1 (dev)"])
        #expect(CargoListing.dependencies("not json").isEmpty)
    }

    @Test func hostOfBaseURL() {
        #expect(PackageDetail.host(of: "https://registry.example.com:8443/") == "registry.example.com:8443")
        #expect(PackageDetail.host(of: "http://127.0.0.1:4000") == "127.0.0.1:4000")
    }
}
