//! `stint login --sso` (O4): signing in through the organisation's identity provider, by way of
//! Stint, which stays the provider's only client; the command line never holds Stint's client
//! secret nor the provider's tokens.
//!
//! Without `--device` (RFC 8252): listen on a loopback port, send the browser to Stint's
//! `/ui/auth/oidc/cli` with that port's redirect URI, a PKCE S256 challenge and a `state`, wait for
//! the browser to come back with a one-time code, and redeem it with the PKCE verifier at
//! `POST /stint/v1/auth/sso/token`. With `--device` (RFC 8628): Stint starts the device grant at the
//! provider; the person enters the code shown at the provider on any device while this polls
//! `POST /stint/v1/auth/sso/device/token`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rand::RngCore;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use stint_core::text::percent_encode;

use crate::client::{CliError, CliResult, Client};

/// How long the browser may take to come back.
const BROWSER_WAIT: Duration = Duration::from_secs(300);

/// A token Stint issued for a sign-in through the provider. `Debug` hides it.
pub struct Issued {
    pub token: String,
    pub expires_in: i64,
}

stint_core::redacted_debug!(Issued { expires_in });

/// Signs in through the identity provider with the loopback redirect, or the device grant.
pub fn sign_in(client: &Client, device: bool, open_browser: bool) -> CliResult<Issued> {
    let body = if device {
        device_grant(client)?
    } else {
        loopback(client, open_browser)?
    };
    let token = body
        .get("access_token")
        .and_then(Value::as_str)
        .ok_or_else(|| CliError::Other("The server's answer has no access_token.".into()))?;
    Ok(Issued {
        token: token.to_string(),
        expires_in: body
            .get("expires_in")
            .and_then(Value::as_i64)
            .unwrap_or(3600),
    })
}

fn random_text(bytes: usize) -> String {
    let mut random = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut random);
    URL_SAFE_NO_PAD.encode(random)
}

fn loopback(client: &Client, open_browser: bool) -> CliResult<Value> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| {
        CliError::Other(format!(
            "Cannot listen on a loopback port for the browser: {error}"
        ))
    })?;
    let port = listener
        .local_addr()
        .map_err(|error| CliError::Other(format!("Cannot read the loopback port: {error}")))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/callback");
    let verifier = random_text(32);
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    let state = random_text(16);
    let url = format!(
        "{}/ui/auth/oidc/cli?redirect_uri={}&code_challenge={challenge}&code_challenge_method=S256&state={state}",
        client.server(),
        percent_encode(&redirect_uri),
    );
    preflight(&url)?;
    eprintln!("Sign in with your identity provider in your browser. If it does not open, visit:");
    eprintln!("  {url}");
    if open_browser {
        open_in_browser(&url);
    }
    let code = wait_for_browser(&listener, &state)?;
    let body = json!({ "code": code, "code_verifier": verifier, "redirect_uri": redirect_uri });
    let reply = client.call(Method::POST, "/stint/v1/auth/sso/token", &[], Some(&body))?;
    client.judge(reply).map_err(|error| {
        error
            .with_hint("Run `stint login --sso` again; a sign-in code works once, for two minutes.")
    })
}

/// Asks Stint for the sign-in's start without following it to the provider, so that a server
/// without an identity provider, or a refused parameter, is said here rather than in a browser
/// the command would wait for.
fn preflight(url: &str) -> CliResult<()> {
    let http = reqwest::blocking::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|error| CliError::Other(format!("Cannot set up the HTTP client: {error}")))?;
    let answer = http
        .get(url)
        .send()
        .map_err(|error| CliError::Unreachable {
            message: format!("Cannot reach the server: {error}"),
            hint: "Check --server (or STINT_SERVER) and that the server runs.".into(),
        })?;
    match answer.status().as_u16() {
        300..=399 => Ok(()),
        404 => Err(CliError::local(
            "Sign-in through an identity provider is not set up on this server.",
            Some("Sign in with `stint login --username NAME`, or ask an administrator to configure --oidc-issuer.".into()),
        )),
        503 => Err(CliError::Unreachable {
            message: "The identity provider cannot be reached right now.".into(),
            hint: "Try again in a few minutes.".into(),
        }),
        status => Err(CliError::Other(format!(
            "The server refused to start the sign-in (HTTP {status})."
        ))),
    }
}

/// Asks the desktop to open `url`; where it cannot, the printed URL remains.
fn open_in_browser(url: &str) {
    let opener: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["rundll32", "url.dll,FileProtocolHandler"]
    } else {
        &["xdg-open"]
    };
    let _ = std::process::Command::new(opener[0])
        .args(&opener[1..])
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// Waits for the browser's visit to `/callback` with this sign-in's `state`: its code, or the
/// refusal it brings. Other visits are answered and ignored.
fn wait_for_browser(listener: &TcpListener, state: &str) -> CliResult<String> {
    listener
        .set_nonblocking(true)
        .map_err(|error| CliError::Other(format!("Cannot wait for the browser: {error}")))?;
    let deadline = Instant::now() + BROWSER_WAIT;
    while Instant::now() < deadline {
        match listener.accept() {
            Ok((stream, _)) => {
                if let Some(outcome) = answer_browser(stream, state) {
                    return outcome;
                }
            }
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(100));
            }
            Err(error) => {
                return Err(CliError::Other(format!(
                    "Cannot wait for the browser: {error}"
                )))
            }
        }
    }
    Err(CliError::Auth {
        message: "The browser did not come back within five minutes.".into(),
        hint: "Run `stint login --sso` again, or `stint login --sso --device` to enter a code on another device.".into(),
    })
}

/// Reads one request of the browser: `None` where it is not this sign-in's callback.
fn answer_browser(stream: TcpStream, state: &str) -> Option<CliResult<String>> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let target = line.split_whitespace().nth(1).unwrap_or_default();
    let url = reqwest::Url::parse(&format!("http://127.0.0.1{target}")).ok();
    let mut stream = reader.into_inner();
    let Some(url) = url.filter(|url| url.path() == "/callback") else {
        respond(&mut stream, "404 Not Found", "Not found.");
        return None;
    };
    let param = |name: &str| {
        url.query_pairs()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.into_owned())
    };
    if param("state").is_none_or(|sent| sent != state) {
        respond(
            &mut stream,
            "400 Bad Request",
            "This is not the sign-in this terminal started.",
        );
        return None;
    }
    if let Some(code) = param("code") {
        respond(
            &mut stream,
            "200 OK",
            "Signed in to Stint. You can close this window and return to the terminal.",
        );
        return Some(Ok(code));
    }
    let why = param("error_description")
        .or_else(|| param("error"))
        .unwrap_or_else(|| "no code came back".into());
    respond(
        &mut stream,
        "200 OK",
        &format!("You are not signed in to Stint: {why}\nYou can close this window."),
    );
    Some(Err(CliError::Auth {
        message: format!("The sign-in through your identity provider was refused: {why}"),
        hint: "Ask an administrator of Stint to link or create your account, or sign in as someone else.".into(),
    }))
}

/// Plain text, so that nothing the provider or Stint said can run in the browser.
fn respond(stream: &mut TcpStream, status: &str, text: &str) {
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{text}",
        text.len()
    );
    let _ = stream.flush();
}

fn device_grant(client: &Client) -> CliResult<Value> {
    let reply = client.call(
        Method::POST,
        "/stint/v1/auth/sso/device",
        &[],
        Some(&json!({})),
    )?;
    if reply.error_code() == Some("DeviceFlowNotOffered") {
        return Err(CliError::Refused {
            code: Some("DeviceFlowNotOffered".into()),
            message: "Your identity provider does not offer sign-in with a code on another device (the device authorization grant, RFC 8628).".into(),
            hint: Some("Sign in with `stint login --sso` without --device: it opens a browser on this machine.".into()),
        });
    }
    let started = client.judge(reply)?;
    let text = |key: &str| {
        started
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let handle = text("handle");
    eprintln!("To sign in, visit:  {}", text("verification_uri"));
    eprintln!("and enter the code: {}", text("user_code"));
    if let Some(complete) = started
        .get("verification_uri_complete")
        .and_then(Value::as_str)
    {
        eprintln!("(or visit {complete})");
    }
    let mut interval = started.get("interval").and_then(Value::as_u64).unwrap_or(5);
    let expires_in = started
        .get("expires_in")
        .and_then(Value::as_u64)
        .unwrap_or(600);
    let deadline = Instant::now() + Duration::from_secs(expires_in);
    let body = json!({ "handle": handle });
    while Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(interval));
        let reply = client.call(
            Method::POST,
            "/stint/v1/auth/sso/device/token",
            &[],
            Some(&body),
        )?;
        match reply.error_code() {
            Some("authorization_pending") => continue,
            // RFC 8628 §3.5: wait five seconds longer from now on.
            Some("slow_down") => interval += 5,
            _ => {
                return client
                    .judge(reply)
                    .map_err(|error| error.with_hint("Run `stint login --sso --device` again."))
            }
        }
    }
    Err(CliError::Auth {
        message: "The code was not entered in time.".into(),
        hint: "Run `stint login --sso --device` again.".into(),
    })
}
