import TOMLKit

import Foundation

/// Builds a `NoraConfig` from `config.toml` and `NORA_*` variables (variables win).
///
/// Every setting is declared once in `ConfigLoader.settings` with its TOML key and its
/// environment name, so the two sources cannot drift and every error names the key.
public enum ConfigLoader {
    struct Setting: Sendable {
        let tomlKey: String
        let envName: String
        let apply: @Sendable (inout NoraConfig, String) throws(ConfigError) -> Void
    }

    /// Loads the configuration: the file at `NORA_CONFIG_PATH`, else `./config.toml` when present.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment,
                            fileReader: (String) -> String? = readFile) throws(ConfigError) -> (NoraConfig, warnings: [String]) {
        var tomlText: String?
        var source = "config.toml"
        if let path = environment["NORA_CONFIG_PATH"], !path.isEmpty {
            guard let text = fileReader(path) else {
                throw ConfigError(key: "NORA_CONFIG_PATH", value: path, reason: "file cannot be read")
            }
            tomlText = text
            source = path
        } else {
            tomlText = fileReader("config.toml")
        }
        return try parse(toml: tomlText, environment: environment, source: source)
    }

    /// `source` names the file in errors.
    public static func parse(toml: String?, environment: [String: String],
                             source: String = "config.toml") throws(ConfigError) -> (NoraConfig, warnings: [String]) {
        var values: [String: String] = [:]
        var warnings: [String] = []
        if let toml {
            let flat = try flatten(toml: toml, source: source)
            let known = Set(settings.map(\.tomlKey))
            for (key, value) in flat {
                if known.contains(key) { values[key] = value } else { warnings.append("config.toml: key '\(key)' is not used by nora and was ignored") }
            }
        }
        for setting in settings {
            if let value = environment[setting.envName] { values[setting.tomlKey] = value }
        }
        var config = NoraConfig()
        for setting in settings {
            guard let value = values[setting.tomlKey] else { continue }
            let fromEnv = environment[setting.envName] != nil
            do {
                try setting.apply(&config, value)
            } catch {
                throw ConfigError(key: fromEnv ? setting.envName : "\(setting.tomlKey) (config.toml)", value: value, reason: error.reason)
            }
        }
        // AWS's own variables stand in for the S3 settings nora's do not give.
        config.storage.s3AccessKey = config.storage.s3AccessKey ?? environment["AWS_ACCESS_KEY_ID"].flatMap { $0.isEmpty ? nil : $0 }
        config.storage.s3SecretKey = config.storage.s3SecretKey ?? environment["AWS_SECRET_ACCESS_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        config.storage.s3Region = config.storage.s3Region ?? environment["AWS_REGION"].flatMap { $0.isEmpty ? nil : $0 }
        try validate(config)
        return (config, warnings)
    }

    /// Cross-field rules, checked after every source is merged.
    static func validate(_ config: NoraConfig) throws(ConfigError) {
        if config.storage.mode == .s3 {
            guard config.storage.bucket != nil else {
                throw ConfigError(key: "NORA_STORAGE_BUCKET", value: "", reason: "S3 storage (NORA_STORAGE_MODE=s3) needs a bucket")
            }
            guard config.storage.s3AccessKey != nil, config.storage.s3SecretKey != nil else {
                throw ConfigError(key: "NORA_STORAGE_S3_ACCESS_KEY", value: "",
                                  reason: "S3 storage needs NORA_STORAGE_S3_ACCESS_KEY and NORA_STORAGE_S3_SECRET_KEY (or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)")
            }
        }
        if !config.bindsLoopbackOnly && config.server.publicURL == nil {
            throw ConfigError(key: "NORA_HOST", value: config.server.host,
                              reason: "binding a non-loopback address needs NORA_PUBLIC_URL (the URL clients use to reach this registry)")
        }
    }

    static func flatten(toml: String, source: String = "config.toml") throws(ConfigError) -> [String: String] {
        let table: TOMLTable
        do {
            try TOMLHeaderCheck.check(toml)
            table = try TOMLTable(string: toml)
        } catch let problem as TOMLHeaderCheck.Problem {
            throw ConfigError(file: source, line: problem.line, reason: problem.reason)
        } catch let error as TOMLParseError {
            throw ConfigError(file: source, line: error.source.begin.line, reason: error.description)
        } catch {
            throw ConfigError(file: source, line: nil, reason: "\(error)")
        }
        var flat: [String: String] = [:]
        for section in table.keys {
            guard let sub = table[section]?.table else {
                flat[section] = scalar(table[section])
                continue
            }
            for key in sub.keys { flat["\(section).\(key)"] = scalar(sub[key]) }
        }
        return flat
    }

    private static func scalar(_ value: (any TOMLValueConvertible)?) -> String {
        guard let value else { return "" }
        if let s = value.string { return s }
        if let b = value.bool { return b ? "true" : "false" }
        if let i = value.int { return String(i) }
        if let d = value.double { return String(d) }
        if let array = value.array { return array.map { scalar($0) }.joined(separator: ",") }
        // An inline table or `[[section.list]]` entry (upstreams): NORA's `url|auth|prefix|namespace`.
        if let table = value.table {
            return ["url", "auth", "prefix", "namespace"].map { table[$0].map { scalar($0) } ?? "" }.joined(separator: "|")
        }
        return value.debugDescription
    }

    public static func readFile(_ path: String) -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}
