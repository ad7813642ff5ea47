//! O5: unlinking a user's identity at an identity provider (reading them: `View::identities_of`).

use stint_core::ids::UserId;
use stint_core::rules::federation;

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::{App, CallMeta, Committed, Session};

impl App {
    /// O5: unlinks the identity `identity` ([`stint_core::directory::LinkedIdentity::id`]) from `user` and ends the
    /// user's sessions.
    pub async fn unlink_identity(
        &self,
        session: &Session,
        meta: &CallMeta,
        user: UserId,
        identity: &str,
    ) -> AppResult<Committed<()>> {
        let attempt =
            Attempt::new("auth.identityUnlinked", "user", user).about(None, Some(user.into()));
        let identity = identity.to_owned();
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            federation::unlink_identity(state, ctx, user, &identity)
        })
        .await
    }
}
