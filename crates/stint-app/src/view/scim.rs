//! SCIM provisioning tokens (M1), which only Global and Privileged Role Administrators may read.
//! Their secrets were never kept.

use stint_core::scim::ScimToken;
use stint_core::Violation;

use super::View;

impl View<'_> {
    /// The live provisioning tokens, oldest first.
    pub fn scim_tokens(&self) -> Result<Vec<&ScimToken>, Violation> {
        self.authority().provisioning_manager()?;
        let mut live: Vec<&ScimToken> = (self.state.scim_tokens.values())
            .filter(|token| token.is_live())
            .collect();
        live.sort_by_key(|token| (token.created_at, token.id));
        Ok(live)
    }
}
