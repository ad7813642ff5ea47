//! `stint recover-admin` (ADR 0008): the way back in for the person who holds the database when no
//! Global Administrator can sign in. One commit through the same write path as every other.

use stint_core::rules::last_admin::{recover_admin, Recovery};
use stint_core::Decision;

use crate::error::{AppError, AppResult};
use crate::password::{self, Password};
use crate::App;

/// Who can sign in again, and with what; the password is shown once and never stored in clear.
#[derive(Debug)]
pub struct RecoveredAdmin {
    pub user_principal_name: String,
    pub password: Password,
}

impl App {
    /// Re-enables (or creates) `user_principal_name` as a permanent Global Administrator with a
    /// new random password, audited as `admin.recovered` by `operator`.
    pub async fn recover_admin(
        &self,
        user_principal_name: &str,
        operator: String,
    ) -> AppResult<RecoveredAdmin> {
        let password = password::generate();
        let password_hash = password::hash(password.clone()).await?;
        let recovery = Recovery {
            user_principal_name: user_principal_name.to_string(),
            password_hash,
            operator,
        };
        let (recovered, _) = self
            .write(move |state, now| {
                match recover_admin(state, now, uuid::Uuid::new_v4, recovery) {
                    Ok((decision, user)) => (decision, Ok(user)),
                    Err(violation) => (Decision::new(), Err(violation)),
                }
            })
            .await?;
        let user = recovered.map_err(AppError::Rule)?;
        Ok(RecoveredAdmin {
            user_principal_name: user.user_principal_name,
            password,
        })
    }
}
