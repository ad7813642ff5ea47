//! `/stint/v1/connectors`: the systems Stint writes effective memberships into (issue 18, C1,
//! C2) and the links from Stint groups to their groups, for Global and Privileged Role
//! Administrators. Credentials are write-only: no answer ever carries them.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::Json;
use serde_json::{json, Value};
use stint_core::connector::{Connector, ConnectorId, ConnectorSecret, Endpoint, Link, LinkId};
use stint_core::ids::GroupId;
use stint_core::rules::connectors::{shown_url, ConnectorFields, NewLink};
use stint_core::schedule::Access;
use utoipa_axum::routes;

use crate::call::Call;
use crate::collection::values;
use crate::documented::{
    ConnectorPath, ConnectorRefusals, Deleted, InvalidConnector, LinkPath, NotConnectorManager,
};
use crate::error::{ApiError, ApiResult};
use crate::extract::GraphJson;
use crate::wire::{self, graph_body, time};
use crate::ApiRouter;

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(create_connector, list_connectors))
        .routes(routes!(get_connector, update_connector, delete_connector))
        .routes(routes!(create_link, list_links))
        .routes(routes!(delete_link))
}

graph_body! {
    struct ConnectorBody {
        display_name: Option<String>,
        /// `ldap`, `scim` or `postgres`; fixed once made.
        #[serde(rename = "type")]
        kind: Option<String>,
        /// `ldap://`/`ldaps://`, the SCIM base URL, or `postgres://user:password@host/db`.
        url: Option<String>,
        /// LDAP: the DN Stint binds as.
        bind_dn: Option<String>,
        /// LDAP: write-only.
        bind_password: Option<String>,
        /// LDAP: where users are searched.
        base_dn: Option<String>,
        /// LDAP: e.g. `(uid={userPrincipalName})`; also `{mail}`, `{id}`.
        user_filter: Option<String>,
        /// LDAP: upgrade an `ldap://` connection with StartTLS.
        start_tls: Option<bool>,
        /// LDAP: the DN kept in every `member`/`uniqueMember` group so that it may lose its last
        /// member; default `cn=stint-placeholder,<baseDn>`, and an empty value restores it.
        placeholder_dn: Option<String>,
        /// SCIM: the bearer token; write-only.
        token: Option<String>,
        /// PostgreSQL: a user's login role, default `{userPrincipalName}`.
        login_role: Option<String>,
        /// `enforce` (default: drift is removed) or `report`.
        drift_mode: Option<String>,
        /// How often every link is read back in full, `PT1M` to `P1D`; default `PT5M`.
        reconcile_interval: Option<String>,
    }
}

graph_body! {
    struct LinkBody {
        /// The Stint group whose effective members (or owners) the target must hold.
        group_id: String,
        /// `member` (default) or `owner`.
        access_id: Option<String>,
        /// The LDAP group's DN, the SCIM group's id or display name, or the PostgreSQL role.
        target: String,
        /// LDAP only: `member` (default), `uniqueMember` or `memberUid`.
        member_attribute: Option<String>,
    }
}

impl ConnectorBody {
    fn fields(self) -> ConnectorFields {
        ConnectorFields {
            display_name: self.display_name,
            kind: self.kind,
            url: self.url,
            bind_dn: self.bind_dn,
            bind_password: self.bind_password.map(ConnectorSecret),
            base_dn: self.base_dn,
            user_filter: self.user_filter,
            start_tls: self.start_tls,
            placeholder_dn: self.placeholder_dn,
            token: self.token.map(ConnectorSecret),
            login_role: self.login_role,
            drift_mode: self.drift_mode,
            reconcile_interval: self.reconcile_interval,
        }
    }
}

/// Makes a connector. Its credentials are kept for the connector's use and never answered.
#[utoipa::path(post, path = "/stint/v1/connectors", tag = "stint", request_body = ConnectorBody,
    responses((status = 201, description = "The connector, without its credentials"),
              InvalidConnector, NotConnectorManager))]
async fn create_connector(
    call: Call,
    GraphJson(body): GraphJson<ConnectorBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let created = call
        .app()
        .create_connector(&call.session, &call.meta, body.fields())
        .await?;
    Ok((StatusCode::CREATED, Json(connector(&created.value))))
}

/// The live connectors, oldest first.
#[utoipa::path(get, path = "/stint/v1/connectors", tag = "stint",
    responses((status = 200, description = "The connectors, without their credentials"),
              NotConnectorManager))]
async fn list_connectors(call: Call) -> ApiResult<Json<Value>> {
    let connectors = call
        .view()
        .connectors()?
        .into_iter()
        .map(connector)
        .collect();
    Ok(Json(values(connectors)))
}

/// One live connector.
#[utoipa::path(get, path = "/stint/v1/connectors/{id}", tag = "stint", params(ConnectorPath),
    responses((status = 200, description = "The connector, without its credentials"), ConnectorRefusals))]
async fn get_connector(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: ConnectorId = wire::parse_id("id", &id)?;
    let found = call.view().connector(id)?.map(connector);
    found.map(Json).ok_or_else(|| not_found(id))
}

/// Changes a connector; a credential left out stays as it was, and the type cannot change.
#[utoipa::path(patch, path = "/stint/v1/connectors/{id}", tag = "stint", request_body = ConnectorBody,
    params(ConnectorPath),
    responses((status = 200, description = "The connector as changed, without its credentials"),
              InvalidConnector, ConnectorRefusals))]
async fn update_connector(
    call: Call,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<ConnectorBody>,
) -> ApiResult<Json<Value>> {
    let id: ConnectorId = wire::parse_id("id", &id)?;
    let updated = call
        .app()
        .update_connector(&call.session, &call.meta, id, body.fields())
        .await?;
    Ok(Json(connector(&updated.value)))
}

/// Deletes a connector: it writes nothing more, and its targets keep the members they have.
#[utoipa::path(
    delete,
    path = "/stint/v1/connectors/{id}",
    tag = "stint",
    params(ConnectorPath),
    responses(Deleted, ConnectorRefusals)
)]
async fn delete_connector(call: Call, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let id: ConnectorId = wire::parse_id("id", &id)?;
    call.app()
        .delete_connector(&call.session, &call.meta, id)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Links a Stint group to a target group of the connector.
#[utoipa::path(post, path = "/stint/v1/connectors/{id}/links", tag = "stint", request_body = LinkBody,
    params(ConnectorPath),
    responses((status = 201, description = "The link"), InvalidConnector, ConnectorRefusals))]
async fn create_link(
    call: Call,
    Path(id): Path<String>,
    GraphJson(body): GraphJson<LinkBody>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let id: ConnectorId = wire::parse_id("id", &id)?;
    let group: GroupId = wire::parse_id("groupId", &body.group_id)?;
    let access = body
        .access_id
        .map(|text| {
            text.parse::<Access>()
                .map_err(|()| ApiError::bad_request("accessId must be member or owner."))
        })
        .transpose()?;
    let input = NewLink {
        group,
        access,
        target: body.target,
        member_attribute: body.member_attribute,
    };
    let created = call
        .app()
        .link_connector(&call.session, &call.meta, id, input)
        .await?;
    Ok((StatusCode::CREATED, Json(link(&created.value))))
}

/// The connector's links, oldest first.
#[utoipa::path(get, path = "/stint/v1/connectors/{id}/links", tag = "stint", params(ConnectorPath),
    responses((status = 200, description = "The links"), ConnectorRefusals))]
async fn list_links(call: Call, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let id: ConnectorId = wire::parse_id("id", &id)?;
    let view = call.view();
    let found = view.connector(id)?.ok_or_else(|| not_found(id))?;
    Ok(Json(values(found.links.iter().map(link).collect())))
}

/// Unlinks a target group: Stint stops writing to it, and it keeps the members it has.
#[utoipa::path(
    delete,
    path = "/stint/v1/connectors/{id}/links/{linkId}",
    tag = "stint",
    params(LinkPath),
    responses(Deleted, ConnectorRefusals)
)]
async fn delete_link(
    call: Call,
    Path((id, link)): Path<(String, String)>,
) -> ApiResult<StatusCode> {
    let id: ConnectorId = wire::parse_id("id", &id)?;
    let link: LinkId = wire::parse_id("linkId", &link)?;
    call.app()
        .unlink_connector(&call.session, &call.meta, id, link)
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

fn not_found(id: ConnectorId) -> ApiError {
    ApiError::not_found(format!("Connector '{id}'"))
}

/// A connector as answered: where it writes, never with what credentials.
fn connector(connector: &Connector) -> Value {
    let mut value = json!({
        "id": connector.id.to_string(),
        "displayName": connector.display_name,
        "type": connector.endpoint.kind().as_str(),
        "driftMode": connector.drift.as_str(),
        "reconcileInterval": format!("PT{}S", connector.reconcile_seconds),
        "links": connector.links.iter().map(link).collect::<Vec<_>>(),
        "createdAt": time(connector.created_at),
        "createdBy": connector.created_by.to_string(),
    });
    match &connector.endpoint {
        Endpoint::Ldap {
            url,
            bind_dn,
            base_dn,
            user_filter,
            start_tls,
            placeholder_dn,
            ..
        } => {
            value["url"] = url.as_str().into();
            value["bindDn"] = bind_dn.as_str().into();
            value["baseDn"] = base_dn.as_str().into();
            value["userFilter"] = user_filter.as_str().into();
            value["startTls"] = (*start_tls).into();
            value["placeholderDn"] = placeholder_dn.as_deref().into();
        }
        Endpoint::Scim { url, .. } => value["url"] = url.as_str().into(),
        Endpoint::Postgres { url, login_role } => {
            value["url"] = shown_url(url).into();
            value["loginRole"] = login_role.as_str().into();
        }
    }
    value
}

fn link(link: &Link) -> Value {
    json!({
        "id": link.id.to_string(),
        "groupId": link.group.to_string(),
        "accessId": link.access.as_str(),
        "target": link.target,
        "memberAttribute": link.member_attribute.map(|attribute| attribute.as_str()),
        "createdAt": time(link.created_at),
    })
}
