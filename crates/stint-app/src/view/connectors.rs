//! Connectors (C1), which only Global and Privileged Role Administrators may read.

use stint_core::authz::ConnectorManager;
use stint_core::connector::{Connector, ConnectorId};
use stint_core::rules::connectors::live_connector;
use stint_core::Violation;

use super::View;

impl View<'_> {
    /// The live connectors, oldest first.
    pub fn connectors(&self) -> Result<Vec<&Connector>, Violation> {
        self.connector_manager()?;
        let mut live: Vec<&Connector> = (self.state.connectors.values())
            .filter(|connector| connector.is_live())
            .collect();
        live.sort_by_key(|connector| (connector.created_at, connector.id));
        Ok(live)
    }

    /// One live connector; `None` when there is none with that id.
    pub fn connector(&self, id: ConnectorId) -> Result<Option<&Connector>, Violation> {
        self.connector_manager()?;
        Ok(live_connector(&self.state, id).ok())
    }

    /// The right to manage connectors and their links.
    pub fn connector_manager(&self) -> Result<ConnectorManager, Violation> {
        self.authority().connector_manager()
    }
}
