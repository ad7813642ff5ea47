//! The device authorization grant (RFC 8628) at the provider, as Stint's confidential client: the
//! device authorization request and one poll of the token endpoint at a time (the command line
//! polls Stint, Stint polls the provider), whose ID token is validated as the code flow's is.
//! The provider's discovery document says whether it offers the grant.

use chrono::{DateTime, Utc};
use serde::Deserialize;
use stint_core::rules::federation::FederatedIdentity;

use super::{describe, Provider, ProviderError};

const DEVICE_CODE_GRANT: &str = "urn:ietf:params:oauth:grant-type:device_code";

/// What the provider answered a device authorization request (RFC 8628 §3.2).
#[derive(Clone, Deserialize)]
pub struct DeviceAuthorization {
    /// The provider's secret of this sign-in: it never leaves Stint unsealed.
    pub device_code: String,
    pub user_code: String,
    pub verification_uri: String,
    #[serde(default)]
    pub verification_uri_complete: Option<String>,
    pub expires_in: i64,
    /// Seconds between polls; RFC 8628 says 5 where the provider does not say.
    #[serde(default = "five")]
    pub interval: i64,
}

fn five() -> i64 {
    5
}

stint_core::redacted_debug!(DeviceAuthorization {
    verification_uri,
    expires_in,
    interval
});

/// One poll's answer (RFC 8628 §3.5).
#[derive(Debug)]
pub enum DevicePoll {
    /// The person has not finished at the provider yet.
    Pending,
    /// Polled too often: wait longer between polls.
    SlowDown,
    /// The person declined at the provider.
    Denied,
    /// The device code expired before the person finished.
    Expired,
    /// Signed in: the identity of the validated ID token.
    SignedIn(Box<FederatedIdentity>),
}

#[derive(Deserialize)]
struct TokenAnswer {
    #[serde(default)]
    id_token: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

impl Provider {
    /// Starts a device sign-in at the provider; [`ProviderError::NoDeviceFlow`] where its
    /// discovery document names no device authorization endpoint.
    pub async fn device_authorization(&self) -> Result<DeviceAuthorization, ProviderError> {
        let metadata = self.discover(None).await?;
        let endpoint = metadata
            .additional_metadata()
            .device_authorization_endpoint
            .clone()
            .ok_or(ProviderError::NoDeviceFlow)?;
        let scope = self.settings.scopes.join(" ");
        let response = self
            .authenticated(endpoint.url().as_str(), &[("scope", &scope)])
            .send()
            .await
            .map_err(|error| ProviderError::Unavailable(describe(&error)))?;
        let status = response.status();
        if !status.is_success() {
            return Err(ProviderError::Unavailable(format!(
                "the device authorization endpoint answered {status}"
            )));
        }
        response
            .json()
            .await
            .map_err(|error| ProviderError::Unavailable(describe(&error)))
    }

    /// Asks the provider once whether the device sign-in of `device_code` has finished.
    pub async fn poll_device(
        &self,
        device_code: &str,
        now: DateTime<Utc>,
    ) -> Result<DevicePoll, ProviderError> {
        let metadata = self.discover(None).await?;
        let endpoint = metadata
            .token_endpoint()
            .ok_or_else(|| ProviderError::Unavailable("no token endpoint".into()))?;
        let form = [
            ("grant_type", DEVICE_CODE_GRANT),
            ("device_code", device_code),
        ];
        let response = self
            .authenticated(endpoint.url().as_str(), &form)
            .send()
            .await
            .map_err(|error| ProviderError::Unavailable(describe(&error)))?;
        let status = response.status();
        let answer: TokenAnswer = response.json().await.map_err(|error| {
            ProviderError::Unavailable(format!("{status}: {}", describe(&error)))
        })?;
        match (answer.error.as_deref(), answer.id_token) {
            (Some("authorization_pending"), _) => Ok(DevicePoll::Pending),
            (Some("slow_down"), _) => Ok(DevicePoll::SlowDown),
            (Some("access_denied"), _) => Ok(DevicePoll::Denied),
            (Some("expired_token"), _) => Ok(DevicePoll::Expired),
            (Some(other), _) => Err(ProviderError::Rejected(format!(
                "the token endpoint answered {other}"
            ))),
            (None, None) => Err(ProviderError::Rejected(
                "the token response has no ID token".into(),
            )),
            (None, Some(id_token)) => {
                let token: super::StintIdToken =
                    id_token.parse().map_err(|error: serde_json::Error| {
                        ProviderError::Rejected(error.to_string())
                    })?;
                Ok(DevicePoll::SignedIn(Box::new(
                    self.verify(&token, None, now).await?,
                )))
            }
        }
    }

    /// A POST of `form` to the provider with Stint's client authentication
    /// (`client_secret_basic`: the form-encoded id and secret, RFC 6749 §2.3.1), or with its
    /// `client_id` in the form where it has no secret.
    fn authenticated(&self, url: &str, form: &[(&str, &str)]) -> reqwest::RequestBuilder {
        let request = self.http.post(url).header("accept", "application/json");
        let id = self.settings.client_id.as_str();
        match &self.settings.client_secret {
            Some(secret) => request
                .basic_auth(form_encoded(id), Some(form_encoded(secret.expose())))
                .form(form),
            None => {
                let mut form = form.to_vec();
                form.push(("client_id", id));
                request.form(&form)
            }
        }
    }
}

fn form_encoded(text: &str) -> String {
    openidconnect::url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
