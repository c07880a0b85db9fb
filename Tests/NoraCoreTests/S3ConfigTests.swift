@testable import NoraCore
import Testing

/// NORA's S3 settings, and AWS's variables as fallbacks.
@Suite struct S3ConfigTests {
    private func parse(_ toml: String? = nil, _ env: [String: String] = [:]) throws(ConfigError) -> NoraConfig {
        try ConfigLoader.parse(toml: toml, environment: env).0
    }

    @Test func localIsTheDefault() throws {
        let config = try parse()
        #expect(config.storage.mode == .local && config.storage.bucket == nil)
    }

    @Test func environmentSettings() throws {
        let config = try parse(nil, [
            "NORA_STORAGE_MODE": "S3", "NORA_STORAGE_BUCKET": "artifacts", "NORA_STORAGE_S3_URL": "http://minio:9000/",
            "NORA_STORAGE_S3_REGION": "eu-west-1", "NORA_STORAGE_S3_ACCESS_KEY": "AK", "NORA_STORAGE_S3_SECRET_KEY": "SK",
            "NORA_STORAGE_S3_VIRTUAL_HOSTED": "true",
        ])
        #expect(config.storage.mode == .s3 && config.storage.bucket == "artifacts")
        #expect(config.storage.effectiveS3URL == "http://minio:9000" && config.storage.effectiveS3Region == "eu-west-1")
        #expect(config.storage.s3AccessKey == "AK" && config.storage.s3SecretKey == "SK" && config.storage.s3VirtualHosted)
    }

    @Test func tomlSettingsUseNORAsKeys() throws {
        let config = try parse("""
            [storage]
            mode = "s3"
            bucket = "b"
            s3_url = "https://s3.example.org"
            s3_region = "auto"
            s3_access_key = "AK"
            s3_secret_key = "SK"
            s3_virtual_hosted = false
            """)
        #expect(config.storage.mode == .s3 && config.storage.bucket == "b" && config.storage.effectiveS3Region == "auto")
        #expect(config.storage.effectiveS3URL == "https://s3.example.org" && !config.storage.s3VirtualHosted)
    }

    @Test func awsVariablesFillWhatNoraSettingsLeaveOut() throws {
        let aws = ["NORA_STORAGE_MODE": "s3", "NORA_STORAGE_BUCKET": "b",
                   "AWS_ACCESS_KEY_ID": "AWSAK", "AWS_SECRET_ACCESS_KEY": "AWSSK", "AWS_REGION": "ap-south-1"]
        let config = try parse(nil, aws)
        #expect(config.storage.s3AccessKey == "AWSAK" && config.storage.s3SecretKey == "AWSSK")
        #expect(config.storage.effectiveS3URL == "https://s3.ap-south-1.amazonaws.com")
        let explicit = try parse(nil, aws.merging(["NORA_STORAGE_S3_ACCESS_KEY": "AK", "NORA_STORAGE_S3_REGION": "us-west-2"]) { $1 })
        #expect(explicit.storage.s3AccessKey == "AK" && explicit.storage.effectiveS3Region == "us-west-2")
    }

    @Test func s3ModeNeedsABucketAndKeys() {
        let noBucket = #expect(throws: ConfigError.self) { try parse(nil, ["NORA_STORAGE_MODE": "s3"]) }
        #expect(noBucket?.key == "NORA_STORAGE_BUCKET")
        let noKeys = #expect(throws: ConfigError.self) { try parse(nil, ["NORA_STORAGE_MODE": "s3", "NORA_STORAGE_BUCKET": "b"]) }
        #expect(noKeys?.reason.contains("AWS_ACCESS_KEY_ID") == true)
        let badMode = #expect(throws: ConfigError.self) { try parse(nil, ["NORA_STORAGE_MODE": "gcs"]) }
        #expect(badMode?.key == "NORA_STORAGE_MODE")
    }
}
