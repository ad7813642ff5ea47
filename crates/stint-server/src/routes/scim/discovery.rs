//! Discovery (RFC 7644 §4): `ServiceProviderConfig`, `ResourceTypes` and `Schemas`, read-only.
//! The schemas list exactly the attributes Stint keeps, so a client (or a compliance checker)
//! writes nothing it would silently lose.

use axum::extract::Path;
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};
use utoipa_axum::routes;

use super::error::{ScimError, ScimResult};
use super::groups::{Groups, GROUP_SCHEMA};
use super::resource::{self, Resource, DEFAULT_COUNT, LIST_SCHEMA, MAX_RESULTS};
use super::users::{Users, USER_SCHEMA};
use super::ScimCall;
use crate::ApiRouter;

const CONFIG_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig";
const RESOURCE_TYPE_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:ResourceType";
const SCHEMA_SCHEMA: &str = "urn:ietf:params:scim:schemas:core:2.0:Schema";

pub fn routes() -> ApiRouter {
    ApiRouter::new()
        .routes(routes!(service_provider_config))
        .routes(routes!(resource_types))
        .routes(routes!(resource_type))
        .routes(routes!(schemas))
        .routes(routes!(schema))
}

/// What this service provider supports.
#[utoipa::path(get, path = "/scim/v2/ServiceProviderConfig", tag = "scim",
    responses((status = 200, description = "The configuration")))]
async fn service_provider_config(call: ScimCall) -> Response {
    let body = json!({
        "schemas": [CONFIG_SCHEMA],
        "documentationUri": "https://github.com/stint-pim/stint#scim-provisioning",
        "patch": {"supported": true},
        "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": true, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": false},
        "sort": {"supported": false},
        "etag": {"supported": true},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "Provisioning token",
            "description": "A bearer token made with POST /stint/v1/scim/tokens.",
            "primary": true,
        }],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": format!("{}/scim/v2/ServiceProviderConfig", call.base),
        },
    });
    resource::answer(StatusCode::OK, body)
}

fn resource_type_of<R: Resource>(base: &str) -> Value {
    json!({
        "schemas": [RESOURCE_TYPE_SCHEMA],
        "id": R::NAME,
        "name": R::NAME,
        "endpoint": format!("/{}", R::ENDPOINT),
        "description": format!("{}s provisioned into Stint", R::NAME),
        "schema": R::SCHEMA,
        "schemaExtensions": [],
        "meta": {
            "resourceType": "ResourceType",
            "location": format!("{base}/scim/v2/ResourceTypes/{}", R::NAME),
        },
    })
}

fn all_resource_types(base: &str) -> Vec<Value> {
    vec![
        resource_type_of::<Users>(base),
        resource_type_of::<Groups>(base),
    ]
}

/// A list response of every resource, without paging or a filter (there are only a few).
fn listed(resources: Vec<Value>) -> Response {
    let body = json!({
        "schemas": [LIST_SCHEMA],
        "totalResults": resources.len(),
        "startIndex": 1,
        "itemsPerPage": resources.len().min(DEFAULT_COUNT),
        "Resources": resources,
    });
    resource::answer(StatusCode::OK, body)
}

/// The one with `id` among `resources`, or a 404.
fn one_of(resources: Vec<Value>, id: &str, what: &str) -> ScimResult<Response> {
    resources
        .into_iter()
        .find(|resource| resource["id"] == id)
        .map(|resource| resource::answer(StatusCode::OK, resource))
        .ok_or_else(|| ScimError::not_found(format!("{what} '{id}'")))
}

/// The resource types: User and Group.
#[utoipa::path(get, path = "/scim/v2/ResourceTypes", tag = "scim",
    responses((status = 200, description = "A list response")))]
async fn resource_types(call: ScimCall) -> Response {
    listed(all_resource_types(&call.base))
}

/// One resource type.
#[utoipa::path(get, path = "/scim/v2/ResourceTypes/{id}", tag = "scim",
    params(("id" = String, Path, description = "User or Group")),
    responses((status = 200, description = "The resource type"), (status = 404, description = "No such type")))]
async fn resource_type(call: ScimCall, Path(id): Path<String>) -> ScimResult<Response> {
    one_of(all_resource_types(&call.base), &id, "Resource type")
}

/// The schemas of User and Group, as far as Stint keeps them.
#[utoipa::path(get, path = "/scim/v2/Schemas", tag = "scim",
    responses((status = 200, description = "A list response")))]
async fn schemas(call: ScimCall) -> Response {
    listed(all_schemas(&call.base))
}

/// One schema, by its URN.
#[utoipa::path(get, path = "/scim/v2/Schemas/{id}", tag = "scim",
    params(("id" = String, Path, description = "The schema's URN")),
    responses((status = 200, description = "The schema"), (status = 404, description = "No such schema")))]
async fn schema(call: ScimCall, Path(id): Path<String>) -> ScimResult<Response> {
    one_of(all_schemas(&call.base), &id, "Schema")
}

/// An attribute definition (RFC 7643 §7).
struct Attribute {
    name: &'static str,
    kind: &'static str,
    multi: bool,
    required: bool,
    mutability: &'static str,
    returned: &'static str,
    uniqueness: &'static str,
    case_exact: bool,
    canonical: &'static [&'static str],
    references: &'static [&'static str],
    sub: Vec<Attribute>,
}

impl Attribute {
    fn new(name: &'static str, kind: &'static str) -> Self {
        Attribute {
            name,
            kind,
            multi: false,
            required: false,
            mutability: "readWrite",
            returned: "default",
            uniqueness: "none",
            case_exact: false,
            canonical: &[],
            references: &[],
            sub: Vec::new(),
        }
    }

    fn multi(mut self) -> Self {
        self.multi = true;
        self
    }

    fn required(mut self) -> Self {
        self.required = true;
        self
    }

    fn mutability(mut self, mutability: &'static str) -> Self {
        self.mutability = mutability;
        self
    }

    fn unique(mut self) -> Self {
        self.uniqueness = "server";
        self
    }

    fn canonical(mut self, values: &'static [&'static str]) -> Self {
        self.canonical = values;
        self
    }

    fn references(mut self, types: &'static [&'static str]) -> Self {
        self.references = types;
        self
    }

    fn with(mut self, sub: Vec<Attribute>) -> Self {
        self.sub = sub;
        self
    }

    fn json(&self) -> Value {
        let mut value = json!({
            "name": self.name,
            "type": self.kind,
            "multiValued": self.multi,
            "description": self.name,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        });
        if !self.canonical.is_empty() {
            value["canonicalValues"] = json!(self.canonical);
        }
        if !self.references.is_empty() {
            value["referenceTypes"] = json!(self.references);
        }
        if !self.sub.is_empty() {
            value["subAttributes"] = self.sub.iter().map(Attribute::json).collect();
        }
        value
    }
}

fn schema_of(id: &str, name: &str, attributes: Vec<Attribute>, base: &str) -> Value {
    json!({
        "schemas": [SCHEMA_SCHEMA],
        "id": id,
        "name": name,
        "description": format!("{name} as Stint keeps it"),
        "attributes": attributes.iter().map(Attribute::json).collect::<Vec<_>>(),
        "meta": {
            "resourceType": "Schema",
            "location": format!("{base}/scim/v2/Schemas/{id}"),
        },
    })
}

fn all_schemas(base: &str) -> Vec<Value> {
    let user = vec![
        Attribute::new("userName", "string").required().unique(),
        Attribute::new("name", "complex").with(vec![
            Attribute::new("formatted", "string"),
            Attribute::new("familyName", "string"),
            Attribute::new("givenName", "string"),
        ]),
        Attribute::new("displayName", "string"),
        Attribute::new("active", "boolean"),
        Attribute::new("emails", "complex").multi().with(vec![
            Attribute::new("value", "string"),
            Attribute::new("type", "string").canonical(&["work", "home", "other"]),
            Attribute::new("primary", "boolean"),
        ]),
    ];
    let group = vec![
        Attribute::new("displayName", "string").required(),
        Attribute::new("members", "complex").multi().with(vec![
            Attribute::new("value", "string").mutability("immutable"),
            Attribute::new("$ref", "reference")
                .mutability("immutable")
                .references(&["User", "Group"]),
            Attribute::new("type", "string")
                .mutability("immutable")
                .canonical(&["User", "Group"]),
        ]),
    ];
    vec![
        schema_of(USER_SCHEMA, "User", user, base),
        schema_of(GROUP_SCHEMA, "Group", group, base),
    ]
}
