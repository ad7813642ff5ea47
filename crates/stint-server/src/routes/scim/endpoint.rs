//! The handlers Users and Groups share: create, list, get, replace, patch and delete, written once
//! over an [`Endpoint`] that says how its resources are read from the wire and written through
//! the application.

use std::future::Future;
use std::sync::{Arc, Mutex, PoisonError};

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::Value;
use uuid::Uuid;

use super::error::{ScimError, ScimResult};
use super::patch::PatchRequest;
use super::resource::{self, render, resource_answer, ListQuery, Resource};
use super::{resource_id, ScimCall};

/// A resource type with its use cases.
pub trait Endpoint: Resource + Sized {
    /// What a body says, read into the rule's input.
    type Input: Send + 'static;

    fn read(body: &Value) -> ScimResult<Self::Input>;

    fn records(call: &ScimCall) -> Vec<Self::Record>;

    fn record(call: &ScimCall, id: Uuid) -> Option<Self::Record>;

    fn create(call: &ScimCall, input: Self::Input)
        -> impl Future<Output = ScimResult<Uuid>> + Send;

    /// Replaces resource `id` with what `edit` makes of its current version (as answered,
    /// without `schemas` and `meta`), if `If-Match` allows.
    fn write(
        call: &ScimCall,
        id: Uuid,
        edit: impl FnOnce(Value) -> ScimResult<Self::Input> + Send + 'static,
    ) -> impl Future<Output = ScimResult<()>> + Send;

    fn delete(call: &ScimCall, id: Uuid) -> impl Future<Output = ScimResult<()>> + Send;
}

/// Every live resource of the type, as answered.
pub fn all<E: Endpoint>(call: &ScimCall) -> Vec<Value> {
    (E::records(call).iter())
        .map(|record| render::<E>(record, &call.base))
        .collect()
}

fn found<E: Endpoint>(call: &ScimCall, id: Uuid) -> ScimResult<Value> {
    E::record(call, id)
        .map(|record| render::<E>(&record, &call.base))
        .ok_or_else(|| ScimError::not_found(format!("{} '{id}'", E::NAME)))
}

fn answered<E: Endpoint>(call: &ScimCall, status: StatusCode, id: Uuid) -> ScimResult<Response> {
    Ok(resource_answer(
        status,
        found::<E>(call, id)?,
        &call.projection()?,
    ))
}

pub async fn create<E: Endpoint>(call: ScimCall, body: Value) -> ScimResult<Response> {
    let input = E::read(&body)?;
    let id = E::create(&call, input).await?;
    answered::<E>(&call, StatusCode::CREATED, id)
}

pub fn list<E: Endpoint>(call: &ScimCall) -> ScimResult<Response> {
    let query = ListQuery::parse(&call.params)?;
    Ok(resource::answer(
        StatusCode::OK,
        query.answer(all::<E>(call)),
    ))
}

pub fn get<E: Endpoint>(call: &ScimCall, id: &str) -> ScimResult<Response> {
    let id = resource_id(E::NAME, id)?;
    answered::<E>(call, StatusCode::OK, id)
}

pub async fn replace<E: Endpoint>(call: ScimCall, id: String, body: Value) -> ScimResult<Response> {
    let id = resource_id(E::NAME, &id)?;
    let input = E::read(&body)?;
    E::write(&call, id, move |_| Ok(input)).await?;
    answered::<E>(&call, StatusCode::OK, id)
}

pub async fn patch<E: Endpoint>(call: ScimCall, id: String, body: Value) -> ScimResult<Response> {
    let id = resource_id(E::NAME, &id)?;
    let request: PatchRequest = serde_json::from_value(body).map_err(|error| {
        ScimError::bad(
            "invalidSyntax",
            format!("The body is not a PatchOp: {error}."),
        )
    })?;
    E::write(&call, id, move |mut current| {
        request.apply(&mut current)?;
        E::read(&current)
    })
    .await?;
    answered::<E>(&call, StatusCode::OK, id)
}

pub async fn delete<E: Endpoint>(call: ScimCall, id: String) -> ScimResult<StatusCode> {
    let id = resource_id(E::NAME, &id)?;
    E::delete(&call, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Where an edit leaves a SCIM refusal of its own (a PATCH's `noTarget`): the rule gets a
/// placeholder refusal, and the SCIM error is answered instead of it.
#[derive(Clone, Debug, Default)]
pub struct Refusal(Arc<Mutex<Option<ScimError>>>);

impl Refusal {
    /// Keeps `error` (the rule runs in the node's committer: the edit reaches the handler's
    /// refusal through a clone).
    pub fn keep(&self, error: ScimError) -> stint_core::Violation {
        let violation = stint_core::Violation::bad_request("body", error.detail.clone());
        *self.0.lock().unwrap_or_else(PoisonError::into_inner) = Some(error);
        violation
    }

    pub fn answer<T>(self, written: stint_app::AppResult<T>) -> ScimResult<()> {
        let kept = self.0.lock().unwrap_or_else(PoisonError::into_inner).take();
        match kept {
            Some(error) => Err(error),
            None => written.map(drop).map_err(ScimError::from),
        }
    }
}

/// The six routes of an [`Endpoint`] at `$collection` and `$item` (`{id}`), documented in the
/// OpenAPI document and served by the handlers above.
macro_rules! endpoint_routes {
    ($endpoint:ty, $collection:literal, $item:literal) => {
        pub fn routes() -> crate::ApiRouter {
            crate::ApiRouter::new()
                .routes(utoipa_axum::routes!(create, list))
                .routes(utoipa_axum::routes!(get, replace, patch, delete))
        }

        /// Provisions a resource.
        #[utoipa::path(post, path = $collection, tag = "scim",
                    responses((status = 201, description = "The resource"),
                              (status = 409, description = "A unique attribute is taken")))]
        async fn create(
            call: super::ScimCall,
            super::ScimBody(body): super::ScimBody,
        ) -> super::error::ScimResult<axum::response::Response> {
            super::endpoint::create::<$endpoint>(call, body).await
        }

        /// The resources SCIM created, filtered, paged and projected.
        #[utoipa::path(get, path = $collection, tag = "scim",
                    responses((status = 200, description = "A list response")))]
        async fn list(call: super::ScimCall) -> super::error::ScimResult<axum::response::Response> {
            super::endpoint::list::<$endpoint>(&call)
        }

        /// One resource SCIM created.
        #[utoipa::path(get, path = $item, tag = "scim",
                    params(("id" = String, Path, description = "The resource's id")),
                    responses((status = 200, description = "The resource"),
                              (status = 404, description = "No such resource")))]
        async fn get(
            call: super::ScimCall,
            axum::extract::Path(id): axum::extract::Path<String>,
        ) -> super::error::ScimResult<axum::response::Response> {
            super::endpoint::get::<$endpoint>(&call, &id)
        }

        /// Replaces a resource (honouring `If-Match`).
        #[utoipa::path(put, path = $item, tag = "scim",
                    params(("id" = String, Path, description = "The resource's id")),
                    responses((status = 200, description = "The resource"),
                              (status = 412, description = "If-Match names another version")))]
        async fn replace(
            call: super::ScimCall,
            axum::extract::Path(id): axum::extract::Path<String>,
            super::ScimBody(body): super::ScimBody,
        ) -> super::error::ScimResult<axum::response::Response> {
            super::endpoint::replace::<$endpoint>(call, id, body).await
        }

        /// Changes a resource with PATCH operations (honouring `If-Match`).
        #[utoipa::path(patch, path = $item, tag = "scim",
                    params(("id" = String, Path, description = "The resource's id")),
                    responses((status = 200, description = "The resource"),
                              (status = 412, description = "If-Match names another version")))]
        async fn patch(
            call: super::ScimCall,
            axum::extract::Path(id): axum::extract::Path<String>,
            super::ScimBody(body): super::ScimBody,
        ) -> super::error::ScimResult<axum::response::Response> {
            super::endpoint::patch::<$endpoint>(call, id, body).await
        }

        /// Deletes a resource: hidden from SCIM, history kept (a user stays, disabled for good).
        #[utoipa::path(delete, path = $item, tag = "scim",
                    params(("id" = String, Path, description = "The resource's id")),
                    responses((status = 204, description = "Deleted"),
                              (status = 404, description = "No such resource")))]
        async fn delete(
            call: super::ScimCall,
            axum::extract::Path(id): axum::extract::Path<String>,
        ) -> super::error::ScimResult<axum::http::StatusCode> {
            super::endpoint::delete::<$endpoint>(call, id).await
        }
    };
}
pub(super) use endpoint_routes;
