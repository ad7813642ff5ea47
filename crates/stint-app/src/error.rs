//! What a use case can answer besides success.

use stint_core::Violation;
use stint_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// A rule refused; the violation says which and why.
    #[error(transparent)]
    Rule(#[from] Violation),
    /// No valid credentials or token.
    #[error("authentication needed")]
    Unauthenticated,
    /// The store failed; details go to the log only.
    #[error("the store is unavailable")]
    Store(#[from] StoreError),
    /// The node could not do the work right now (a password hash could not be computed); the
    /// caller may retry.
    #[error("the service is busy; retry")]
    Busy,
    /// F3: too many failed sign-ins for this user name or from this address; nothing was checked.
    #[error("too many failed sign-ins; retry in {retry_after_seconds} s")]
    Throttled { retry_after_seconds: u64 },
}

pub type AppResult<T> = Result<T, AppError>;
