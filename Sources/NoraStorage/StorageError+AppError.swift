import NoraCore

extension StorageError {
    /// The generic HTTP meaning of a storage failure; formats with their own error codes map it themselves.
    public var appError: AppError {
        switch self {
        case .notFound: AppError(.notFound, description)
        case .uploadUnknown: AppError(.notFound, description)
        case .digestMismatch: AppError(.badRequest, description)
        case .tooLarge: AppError(.payloadTooLarge, description)
        case .invalidKey: AppError(.badRequest, description)
        case .rangeNotSatisfiable(let size): AppError(.rangeNotSatisfiable, description, headers: [.contentRange: "bytes */\(size)"])
        case .io: AppError(.internalError, "storage error")
        case .full: AppError(.insufficientStorage, description)
        }
    }
}
