//! O5: a user's identities at identity providers.

use stint_core::directory::LinkedIdentity;
use stint_core::ids::UserId;
use stint_core::rules::federation;
use stint_core::Violation;

use super::View;

impl View<'_> {
    /// O5: `user`'s identities, for the user or whoever may reset their credentials.
    pub fn identities_of(&self, user: UserId) -> Result<Vec<LinkedIdentity>, Violation> {
        federation::identities_for(&self.state, &self.caller, self.now, user)
            .map(<[LinkedIdentity]>::to_vec)
    }
}
