//! Connectors and their links, for Global and Privileged Role Administrators (C1, C2): making,
//! changing and deleting a connector, and linking a Stint group to a target group.

use stint_core::connector::{Connector, ConnectorId, Link, LinkId};
use stint_core::rules::connectors::{self as rules, ConnectorFields, NewLink};

use crate::engine::Attempt;
use crate::error::AppResult;
use crate::{App, CallMeta, Committed, Session};

impl App {
    pub async fn create_connector(
        &self,
        session: &Session,
        meta: &CallMeta,
        fields: ConnectorFields,
    ) -> AppResult<Committed<Connector>> {
        let named = fields.display_name.clone().unwrap_or_default();
        let attempt = Attempt::new("connector.create", "connector", named);
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::create(state, ctx, fields.clone())
        })
        .await
    }

    pub async fn update_connector(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: ConnectorId,
        fields: ConnectorFields,
    ) -> AppResult<Committed<Connector>> {
        let attempt = Attempt::new("connector.update", "connector", id);
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::update(state, ctx, id, fields.clone())
        })
        .await
    }

    pub async fn delete_connector(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: ConnectorId,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("connector.delete", "connector", id);
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::delete(state, ctx, id)
        })
        .await
    }

    pub async fn link_connector(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: ConnectorId,
        input: NewLink,
    ) -> AppResult<Committed<Link>> {
        let attempt =
            Attempt::new("connector.link.create", "connector", id).about(Some(input.group), None);
        self.decide(session, meta, attempt, move |state, ctx| {
            rules::add_link(state, ctx, id, input.clone())
        })
        .await
    }

    pub async fn unlink_connector(
        &self,
        session: &Session,
        meta: &CallMeta,
        id: ConnectorId,
        link: LinkId,
    ) -> AppResult<Committed<()>> {
        let attempt = Attempt::new("connector.link.delete", "connector", id);
        self.decide_alone(session, meta, attempt, move |state, ctx| {
            rules::remove_link(state, ctx, id, link)
        })
        .await
    }
}
