//! O4: the command line signs in with the device authorization grant (RFC 8628) where the
//! provider offers it. Stint runs the grant with the provider as its confidential client and
//! hands the command line the user code and where to enter it, and a handle: the provider's device
//! code sealed, so that the command line never sees it and any node can poll with it. Each poll of
//! the command line is one poll of the provider; the validated ID token signs the person in as
//! the console's sign-in does (O1, O2, audited).

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::provider::{DevicePoll, ProviderError};
use super::{unavailable, OidcError};
use crate::auth::IssuedToken;
use crate::{App, CallMeta};

const HANDLE_PURPOSE: &[u8] = b"stint-cli-device-v1";

/// A device sign-in started at the provider. `Debug` hides the handle, which polls for a token.
pub struct DeviceStarted {
    /// What the command line polls with.
    pub handle: String,
    pub user_code: String,
    pub verification_uri: String,
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    pub interval: i64,
}

stint_core::redacted_debug!(DeviceStarted {
    user_code,
    verification_uri,
    expires_in,
    interval
});

/// One poll's answer.
#[derive(Debug)]
pub enum DeviceOutcome {
    Pending,
    SlowDown,
    SignedIn(IssuedToken),
}

#[derive(Serialize, Deserialize)]
struct Handle {
    device_code: String,
    expires_at: DateTime<Utc>,
}

impl App {
    /// Starts a device sign-in; [`OidcError::NoDeviceFlow`] where the provider does not offer it.
    pub async fn start_device_sign_in(&self) -> Result<DeviceStarted, OidcError> {
        let oidc = self.oidc().ok_or(OidcError::NotConfigured)?;
        let started = oidc
            .provider
            .device_authorization()
            .await
            .map_err(|error| match error {
                ProviderError::NoDeviceFlow => OidcError::NoDeviceFlow,
                other => unavailable(other),
            })?;
        let expires_in = started.expires_in.clamp(1, 3600);
        let handle = Handle {
            device_code: started.device_code,
            expires_at: self.now() + TimeDelta::seconds(expires_in),
        };
        Ok(DeviceStarted {
            handle: oidc.sealer.seal_for(HANDLE_PURPOSE, &handle),
            user_code: started.user_code,
            verification_uri: started.verification_uri,
            verification_uri_complete: started.verification_uri_complete,
            expires_in,
            interval: started.interval.clamp(1, 60),
        })
    }

    /// Polls the provider once for the device sign-in of `handle`.
    pub async fn poll_device_sign_in(
        &self,
        handle: &str,
        meta: &CallMeta,
    ) -> Result<DeviceOutcome, OidcError> {
        let oidc = self.oidc().ok_or(OidcError::NotConfigured)?;
        let now = self.now();
        let handle: Handle = oidc
            .sealer
            .open_for(HANDLE_PURPOSE, handle)
            .ok_or(OidcError::Invalid)?;
        if now >= handle.expires_at {
            return Err(OidcError::Expired);
        }
        let identity = match oidc.provider.poll_device(&handle.device_code, now).await {
            Ok(DevicePoll::Pending) => return Ok(DeviceOutcome::Pending),
            Ok(DevicePoll::SlowDown) => return Ok(DeviceOutcome::SlowDown),
            Ok(DevicePoll::Denied) => return Err(OidcError::Declined("access_denied".into())),
            Ok(DevicePoll::Expired) => return Err(OidcError::Expired),
            Ok(DevicePoll::SignedIn(identity)) => identity,
            Err(ProviderError::Rejected(why)) => {
                self.record_rejected_answer(&why, meta).await?;
                return Err(OidcError::Invalid);
            }
            Err(other) => return Err(unavailable(other)),
        };
        let token = self.sign_in_as_identity(&identity, meta).await?;
        Ok(DeviceOutcome::SignedIn(token))
    }
}
