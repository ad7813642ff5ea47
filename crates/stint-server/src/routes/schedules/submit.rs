//! Submitting a schedule request: each use case's input says which of [`App`]'s methods submits
//! it and what it commits.

use std::future::Future;

use stint_app::error::AppResult;
use stint_app::{App, CallMeta, Committed, Session};
use stint_core::ids::RequestId;
use stint_core::request::ScheduleRequest;
use stint_core::role_request::RoleScheduleRequest;
use stint_core::rules::assignments::RequestInput;
use stint_core::rules::roles::RoleRequestInput;

use super::record::Record;

/// A use case's input for a schedule request.
pub trait Submit: Send + Sized {
    /// The request it commits.
    type Request: Record<Id = RequestId>;
    fn submit(
        self,
        app: &App,
        session: &Session,
        meta: &CallMeta,
    ) -> impl Future<Output = AppResult<Committed<Self::Request>>> + Send;
}

/// [`Submit`] for an input that `App::$method` submits.
macro_rules! submit {
    ($input:ty => $method:ident => $request:ty) => {
        impl Submit for $input {
            type Request = $request;
            fn submit(
                self,
                app: &App,
                session: &Session,
                meta: &CallMeta,
            ) -> impl Future<Output = AppResult<Committed<$request>>> + Send {
                app.$method(session, meta, self)
            }
        }
    };
}

submit!(RequestInput => submit_request => ScheduleRequest);
submit!(RoleRequestInput => submit_role_request => RoleScheduleRequest);
