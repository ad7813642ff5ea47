//! The Standard Webhooks signature: `v1,` + base64 of HMAC-SHA256 over `{id}.{timestamp}.{body}`.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use super::WebhookSecret;

/// How far a message's timestamp may be from the receiver's clock, in seconds (5 minutes).
pub const SIGNATURE_TOLERANCE_SECS: i64 = 300;

/// Why a signature was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("the webhook timestamp is more than 5 minutes away from now")]
    Stale,
    #[error("no v1 signature matches")]
    Mismatch,
}

/// The `webhook-signature` header for a message: `v1,<base64 HMAC-SHA256 of "{id}.{timestamp}.{body}">`.
pub fn sign(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> String {
    format!(
        "v1,{}",
        STANDARD.encode(mac(secret, msg_id, timestamp, body).finalize().into_bytes())
    )
}

/// Checks a `webhook-signature` header (space-separated `version,signature` entries, one matching
/// `v1` enough) as a receiver does: the timestamp within [`SIGNATURE_TOLERANCE_SECS`] of `now`
/// (Unix seconds), the comparison in constant time.
pub fn verify(
    secret: &WebhookSecret,
    msg_id: &str,
    timestamp: i64,
    body: &[u8],
    signatures: &str,
    now: i64,
) -> Result<(), SignatureError> {
    if now.abs_diff(timestamp) > SIGNATURE_TOLERANCE_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let expected = mac(secret, msg_id, timestamp, body);
    let matches = signatures
        .split(' ')
        .filter_map(|entry| entry.strip_prefix("v1,"))
        .filter_map(|encoded| STANDARD.decode(encoded).ok())
        .any(|candidate| expected.clone().verify_slice(&candidate).is_ok());
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

fn mac(secret: &WebhookSecret, msg_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(secret.key()).expect("HMAC takes keys of any length");
    mac.update(msg_id.as_bytes());
    mac.update(format!(".{timestamp}.").as_bytes());
    mac.update(body);
    mac
}

#[cfg(test)]
mod tests {
    use super::*;

    // The Standard Webhooks libraries' published test vector (their `test_sign_function`).
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const MSG_ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TIMESTAMP: i64 = 1_614_265_330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIGNATURE: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    fn secret() -> WebhookSecret {
        WebhookSecret::parse(SECRET).unwrap()
    }

    #[test]
    fn signs_the_published_vector() {
        assert_eq!(sign(&secret(), MSG_ID, TIMESTAMP, BODY), SIGNATURE);
    }

    #[test]
    fn verifies_within_five_minutes_only() {
        let ok = |now| verify(&secret(), MSG_ID, TIMESTAMP, BODY, SIGNATURE, now);
        assert_eq!(ok(TIMESTAMP), Ok(()));
        assert_eq!(ok(TIMESTAMP + 300), Ok(()));
        assert_eq!(ok(TIMESTAMP - 300), Ok(()));
        assert_eq!(ok(TIMESTAMP + 301), Err(SignatureError::Stale));
        assert_eq!(ok(TIMESTAMP - 301), Err(SignatureError::Stale));
    }

    #[test]
    fn any_matching_v1_entry_is_enough() {
        let header = format!(
            "v2,{} v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc= {SIGNATURE} junk",
            &SIGNATURE[3..]
        );
        assert_eq!(
            verify(&secret(), MSG_ID, TIMESTAMP, BODY, &header, TIMESTAMP),
            Ok(())
        );
    }

    #[test]
    fn rejects_any_change() {
        let check = |id: &str, ts: i64, body: &[u8], header: &str| {
            verify(&secret(), id, ts, body, header, TIMESTAMP)
        };
        let mismatch = Err(SignatureError::Mismatch);
        assert_eq!(check("msg_other", TIMESTAMP, BODY, SIGNATURE), mismatch);
        assert_eq!(check(MSG_ID, TIMESTAMP + 1, BODY, SIGNATURE), mismatch);
        assert_eq!(
            check(MSG_ID, TIMESTAMP, br#"{"test": 2432232315}"#, SIGNATURE),
            mismatch
        );
        assert_eq!(
            check(
                MSG_ID,
                TIMESTAMP,
                BODY,
                "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="
            ),
            mismatch
        );
        assert_eq!(
            check(MSG_ID, TIMESTAMP, BODY, &SIGNATURE.replace("v1,", "v2,")),
            mismatch
        );
        assert_eq!(check(MSG_ID, TIMESTAMP, BODY, ""), mismatch);
        let other = WebhookSecret::generate();
        assert_eq!(
            verify(&other, MSG_ID, TIMESTAMP, BODY, SIGNATURE, TIMESTAMP),
            mismatch
        );
    }

    #[test]
    fn round_trip_with_a_generated_secret() {
        let secret = WebhookSecret::generate();
        let body = "{\"type\":\"request.approved\",\"data\":{\"note\":\"é\"}}".as_bytes();
        let header = sign(&secret, "msg_1", 1_700_000_000, body);
        assert_eq!(
            verify(
                &secret,
                "msg_1",
                1_700_000_000,
                body,
                &header,
                1_700_000_100
            ),
            Ok(())
        );
    }
}
