//! Reading the audit log (SPEC U2); who may read what is the view's [`View::readable_audit`].
//!
//! [`View::readable_audit`]: crate::View::readable_audit

use stint_core::audit::{AuditEvent, AuditQuery};

use crate::error::AppResult;
use crate::{App, Session};

impl App {
    /// Events matching `query`, newest first, of those the caller may read.
    pub async fn audit(&self, session: &Session, query: AuditQuery) -> AppResult<Vec<AuditEvent>> {
        let query = self.view(session).readable_audit(query)?;
        Ok(self.store.audit(&query).await?)
    }
}
