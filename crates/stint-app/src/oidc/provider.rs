//! The adapter to the OpenID Provider, over the `openidconnect` crate: discovery (lazy, retried
//! while the provider is down), the authorization URL with PKCE, `state` and `nonce`, the code
//! exchange, and ID token validation: signature by the provider's JWKS (fetched again when a token
//! names a key it does not have: key rotation), `iss`, `aud`, `exp` with a bounded skew, `nonce`;
//! then the validated token's claims, with the configured link claim (O6) among its others.

use std::sync::Arc;

use chrono::{DateTime, Utc};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreClaimName, CoreClaimType,
    CoreClient, CoreClientAuthMethod, CoreGenderClaim, CoreGrantType, CoreJsonWebKey,
    CoreJweContentEncryptionAlgorithm, CoreJweKeyManagementAlgorithm, CoreJwsSigningAlgorithm,
    CoreResponseMode, CoreResponseType, CoreSubjectIdentifierType,
};
use openidconnect::{
    AdditionalClaims, AdditionalProviderMetadata, AuthenticationContextClass, AuthorizationCode,
    ClaimsVerificationError, ClientId, CsrfToken, DeviceAuthorizationUrl, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IdToken, IssuerUrl, LoginHint, Nonce, PkceCodeChallenge,
    PkceCodeVerifier, ProviderMetadata, RedirectUrl, Scope, SignatureVerificationError,
    TokenResponse,
};
use serde::{Deserialize, Serialize};
use stint_core::rules::federation::{FederatedIdentity, LinkClaim, CLOCK_SKEW};
use tokio::sync::RwLock;

use crate::config::OidcSettings;

mod device;
pub use device::{DeviceAuthorization, DevicePoll};

type Client = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// The discovery document's fields beyond OpenID Connect Discovery that Stint reads.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub struct ExtraMetadata {
    /// RFC 8628's endpoint, where the provider offers the device authorization grant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_authorization_endpoint: Option<DeviceAuthorizationUrl>,
}

impl AdditionalProviderMetadata for ExtraMetadata {}

/// The ID token's claims beyond the standard ones, so that the configured link claim (O6) can be
/// read once the token is validated. Its `Debug` names the claims, not their values.
#[derive(Clone, Default, Deserialize, Serialize)]
pub struct OtherClaims {
    #[serde(flatten)]
    claims: serde_json::Map<String, serde_json::Value>,
}

impl AdditionalClaims for OtherClaims {}

impl std::fmt::Debug for OtherClaims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.claims.keys()).finish()
    }
}

/// An ID token with [`OtherClaims`]; validated exactly as the crate's `CoreIdToken`.
pub type StintIdToken = IdToken<
    OtherClaims,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

/// The provider's discovery document.
pub type Metadata = ProviderMetadata<
    ExtraMetadata,
    CoreAuthDisplay,
    CoreClientAuthMethod,
    CoreClaimName,
    CoreClaimType,
    CoreGrantType,
    CoreJweContentEncryptionAlgorithm,
    CoreJweKeyManagementAlgorithm,
    CoreJsonWebKey,
    CoreResponseMode,
    CoreResponseType,
    CoreSubjectIdentifierType,
>;

/// Why a sign-in through the provider did not yield an identity. The text is for the log and
/// names no secret.
#[derive(Debug, thiserror::Error)]
pub enum ProviderError {
    /// The provider could not be reached or answered something unusable.
    #[error("the identity provider is unavailable: {0}")]
    Unavailable(String),
    /// The provider refused the code, or the ID token failed validation.
    #[error("the identity provider's answer was refused: {0}")]
    Rejected(String),
    /// The provider's discovery document names no device authorization endpoint (RFC 8628).
    #[error("the identity provider does not offer the device authorization grant")]
    NoDeviceFlow,
}

/// What a sign-in asks the provider for, beyond the usual.
#[derive(Clone, Debug, Default)]
pub struct AuthorizationOptions {
    /// Passed on as `login_hint`.
    pub login_hint: Option<String>,
    /// Step-up: `prompt=login` and `max_age=0`, so that the person authenticates again.
    pub reauthenticate: bool,
    /// Passed on as `acr_values` (e.g. Entra's authentication context `c1`).
    pub acr_values: Vec<String>,
}

/// The values the callback needs to check the provider's answer.
#[derive(Clone, Debug)]
pub struct AuthorizationRequest {
    pub url: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
}

/// The OpenID Provider, discovered when first needed.
pub struct Provider {
    settings: OidcSettings,
    redirect_uri: RedirectUrl,
    http: reqwest::Client,
    discovered: RwLock<Discovery>,
}

#[derive(Default)]
struct Discovery {
    metadata: Option<Arc<Metadata>>,
}

impl std::fmt::Debug for Provider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Provider")
            .field("settings", &self.settings)
            .field("redirect_uri", &self.redirect_uri.as_str())
            .finish_non_exhaustive()
    }
}

impl Provider {
    /// The provider of `settings`; answers come back to `redirect_uri`. Discovers nothing yet.
    pub fn new(settings: OidcSettings, redirect_uri: &str) -> Result<Provider, String> {
        IssuerUrl::new(settings.issuer.clone())
            .map_err(|error| format!("the issuer URL is not a URL: {error}"))?;
        let redirect_uri = RedirectUrl::new(redirect_uri.to_owned())
            .map_err(|error| format!("the redirect URI is not a URL: {error}"))?;
        let http = reqwest::Client::builder()
            // The crate's advice: following redirects would expose the client to SSRF.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(std::time::Duration::from_secs(10))
            .build()
            .map_err(|error| format!("the HTTP client could not be built: {error}"))?;
        Ok(Provider {
            settings,
            redirect_uri,
            http,
            discovered: RwLock::new(Discovery::default()),
        })
    }

    pub fn settings(&self) -> &OidcSettings {
        &self.settings
    }

    /// The provider's metadata and keys: those discovered before, else discovered now. With
    /// `stale`, the keys of `stale` lacked a token's key: discovered again, unless another
    /// sign-in has done so meanwhile.
    pub async fn discover(
        &self,
        stale: Option<&Arc<Metadata>>,
    ) -> Result<Arc<Metadata>, ProviderError> {
        if stale.is_none() {
            if let Some(metadata) = &self.discovered.read().await.metadata {
                return Ok(metadata.clone());
            }
        }
        let mut discovered = self.discovered.write().await;
        if let Some(current) = &discovered.metadata {
            let refreshed_meanwhile = stale.is_some_and(|old| !Arc::ptr_eq(old, current));
            if stale.is_none() || refreshed_meanwhile {
                return Ok(current.clone());
            }
        }
        let issuer = IssuerUrl::new(self.settings.issuer.clone())
            .map_err(|error| ProviderError::Unavailable(error.to_string()))?;
        let metadata = Metadata::discover_async(issuer, &self.http)
            .await
            .map_err(|error| ProviderError::Unavailable(describe(&error)))?;
        let metadata = Arc::new(metadata);
        discovered.metadata = Some(metadata.clone());
        Ok(metadata)
    }

    fn client(&self, metadata: &Metadata) -> Client {
        CoreClient::from_provider_metadata(
            metadata.clone(),
            ClientId::new(self.settings.client_id.clone()),
            self.settings
                .client_secret
                .as_ref()
                .map(|secret| openidconnect::ClientSecret::new(secret.expose().to_owned())),
        )
        .set_redirect_uri(self.redirect_uri.clone())
    }

    /// Where to send the browser, with a fresh `state`, `nonce` and PKCE challenge.
    pub async fn authorization_request(
        &self,
        options: &AuthorizationOptions,
    ) -> Result<AuthorizationRequest, ProviderError> {
        let metadata = self.discover(None).await?;
        let client = self.client(&metadata);
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.settings.scopes {
            if scope != "openid" {
                request = request.add_scope(Scope::new(scope.clone()));
            }
        }
        if let Some(hint) = &options.login_hint {
            request = request.set_login_hint(LoginHint::new(hint.clone()));
        }
        if options.reauthenticate {
            request = request
                .add_prompt(CoreAuthPrompt::Login)
                .set_max_age(std::time::Duration::ZERO);
        }
        for value in &options.acr_values {
            request =
                request.add_auth_context_value(AuthenticationContextClass::new(value.clone()));
        }
        let (url, state, nonce) = request.url();
        Ok(AuthorizationRequest {
            url: url.to_string(),
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
        })
    }

    /// Exchanges `code` for tokens and returns the identity of the validated ID token.
    pub async fn redeem(
        &self,
        code: &str,
        pkce_verifier: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<FederatedIdentity, ProviderError> {
        let metadata = self.discover(None).await?;
        let client = self.client(&metadata);
        let response = client
            .exchange_code(AuthorizationCode::new(code.to_owned()))
            .map_err(|error| ProviderError::Unavailable(error.to_string()))?
            .set_pkce_verifier(PkceCodeVerifier::new(pkce_verifier.to_owned()))
            .request_async(&self.http)
            .await
            .map_err(|error| ProviderError::Rejected(describe(&error)))?;
        let id_token = response
            .id_token()
            .ok_or_else(|| ProviderError::Rejected("the token response has no ID token".into()))?;
        self.verify_raw(&id_token.to_string(), nonce, now).await
    }

    /// Validates a raw ID token (compact JWS) as [`Provider::redeem`] does.
    pub async fn verify_raw(
        &self,
        id_token: &str,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<FederatedIdentity, ProviderError> {
        let token: StintIdToken = id_token
            .parse()
            .map_err(|error: serde_json::Error| ProviderError::Rejected(error.to_string()))?;
        self.verify(&token, Some(nonce), now).await
    }

    /// Validates `id_token`; when it is signed by a key the cached JWKS lacks, fetches the keys
    /// again (the provider rotated them) and validates once more.
    /// `nonce`: the one the sign-in sent, or `None` where it could send none (the device grant);
    /// then the token must carry none.
    async fn verify(
        &self,
        id_token: &StintIdToken,
        nonce: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<FederatedIdentity, ProviderError> {
        let metadata = self.discover(None).await?;
        match self.claims(&metadata, id_token, nonce, now) {
            Err(ClaimsVerificationError::SignatureVerification(
                SignatureVerificationError::NoMatchingKey,
            )) => {
                let metadata = self.discover(Some(&metadata)).await?;
                self.claims(&metadata, id_token, nonce, now)
            }
            other => other,
        }
        .map_err(|error| ProviderError::Rejected(error.to_string()))
    }

    fn claims(
        &self,
        metadata: &Metadata,
        id_token: &StintIdToken,
        nonce: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<FederatedIdentity, ClaimsVerificationError> {
        let client = self.client(metadata);
        let verifier = client
            .id_token_verifier()
            .set_time_fn(move || now - CLOCK_SKEW);
        let claims = match nonce {
            Some(nonce) => id_token.claims(&verifier, &Nonce::new(nonce.to_owned()))?,
            None => id_token.claims(&verifier, |sent: Option<&Nonce>| match sent {
                None => Ok(()),
                Some(_) => Err("a nonce no sign-in sent".to_string()),
            })?,
        };
        Ok(FederatedIdentity {
            issuer: claims.issuer().to_string(),
            subject: claims.subject().to_string(),
            email: claims.email().map(|email| email.to_string()),
            email_verified: claims.email_verified() == Some(true),
            preferred_username: claims.preferred_username().map(|name| name.to_string()),
            name: claims
                .name()
                .and_then(|name| name.get(None))
                .map(|name| name.to_string()),
            amr: claims
                .auth_method_refs()
                .map(|methods| methods.iter().map(|m| m.to_string()).collect())
                .unwrap_or_default(),
            acr: claims.auth_context_ref().map(|acr| acr.to_string()),
            auth_time: claims.auth_time(),
            link_claim: self.settings.link_claim.as_ref().and_then(|name| {
                let value = claims.additional_claims().claims.get(name)?.as_str()?;
                Some(LinkClaim {
                    name: name.clone(),
                    value: value.to_owned(),
                })
            }),
        })
    }
}

/// An error with its sources, for the log.
fn describe(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}
