import HTTPTypes

extension HTTPField.Name {
    /// `Warning` (RFC 7234 §5.5): a proxied answer served from a stale cache copy carries `110`.
    public static var warning: Self { .init("Warning")! }
}
