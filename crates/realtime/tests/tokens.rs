//! Tokens and grants: minting and verifying with an injected clock, tampering, wrong
//! keys, `alg: none`, and the merchant wall that no pattern crosses.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use tradewind_realtime::grants::*;
use tradewind_realtime::namespace::{ChannelName, Namespace, Namespaces};
use tradewind_realtime::token::*;

const NOW: i64 = 1_700_000_000;

fn key() -> TokenKey {
    TokenKey::new(b"0123456789abcdef0123456789abcdef-server").unwrap()
}

fn grant(pattern: &str, rights: &[Right]) -> Grant {
    Grant::new(ChannelPattern::parse(pattern).unwrap(), rights).unwrap()
}

fn claims(merchant: &str, grants: Vec<Grant>) -> Claims {
    Claims {
        sub: UserId::parse("user_1").unwrap(),
        name: "Ada Lovelace".into(),
        mer: MerchantId::parse(merchant).unwrap(),
        exp: NOW + 600,
        iat: NOW,
        grants,
    }
}

fn channel(name: &str) -> ChannelName {
    ChannelName::parse(name).unwrap()
}

#[test]
fn a_minted_token_verifies_to_its_claims() {
    let claims = claims("mer_a", vec![grant("support:*", &[Right::Subscribe, Right::Presence])]);
    let token = mint(&key(), &claims).unwrap();
    assert_eq!(token.split('.').count(), 3);
    assert_eq!(verify(&key(), &token, NOW).unwrap(), claims);
    assert_eq!(verify(&key(), &token, NOW + 599).unwrap(), claims);
    let merchant = MerchantId::parse("mer_a").unwrap();
    assert_eq!(verify_for_merchant(&key(), &token, &merchant, NOW).unwrap(), claims);

    let header = URL_SAFE_NO_PAD.decode(token.split('.').next().unwrap()).unwrap();
    let header: serde_json::Value = serde_json::from_slice(&header).unwrap();
    assert_eq!(header, serde_json::json!({"alg": "HS256", "typ": "JWT"}));
}

#[test]
fn expiry_uses_the_injected_clock() {
    let token = mint(&key(), &claims("mer_a", vec![])).unwrap();
    assert_eq!(verify(&key(), &token, NOW + 600), Err(TokenError::Expired { expires_at: NOW + 600 }));
    assert_eq!(verify(&key(), &token, NOW + 10_000), Err(TokenError::Expired { expires_at: NOW + 600 }));
    // Issued a little ahead of the verifier's clock is tolerated; far ahead is not.
    assert!(verify(&key(), &token, NOW - CLOCK_SKEW_SECONDS).is_ok());
    assert_eq!(verify(&key(), &token, NOW - CLOCK_SKEW_SECONDS - 1), Err(TokenError::IssuedInFuture));
}

#[test]
fn tampered_tokens_and_wrong_keys_are_refused() {
    let token = mint(&key(), &claims("mer_a", vec![grant("support:*", &[Right::Subscribe])])).unwrap();
    let parts: Vec<&str> = token.split('.').collect();

    // The payload swapped for one granting more, signature kept.
    let mut forged = claims("mer_a", vec![grant("support:*", &[Right::Subscribe, Right::Publish])]);
    forged.exp = NOW + 3600;
    let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&forged).unwrap());
    let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
    assert_eq!(verify(&key(), &tampered, NOW), Err(TokenError::BadSignature));

    // One signature byte flipped.
    let mut signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    signature[0] ^= 1;
    let flipped = format!("{}.{}.{}", parts[0], parts[1], URL_SAFE_NO_PAD.encode(signature));
    assert_eq!(verify(&key(), &flipped, NOW), Err(TokenError::BadSignature));

    let other_key = TokenKey::new(b"another-server-secret-of-32-bytes!!").unwrap();
    assert_eq!(verify(&other_key, &token, NOW), Err(TokenError::BadSignature));

    for malformed in ["", "a.b", "a.b.c.d", "!!.!!.!!", &format!("{}.{}", parts[0], parts[1])] {
        assert!(matches!(verify(&key(), malformed, NOW), Err(TokenError::Malformed(_))), "{malformed}");
    }
    assert_eq!(verify(&key(), &"a".repeat(TOKEN_LENGTH_MAX + 1), NOW), Err(TokenError::TooLarge));
}

fn with_header(header: &serde_json::Value, payload: &Claims, signature: &str) -> String {
    format!(
        "{}.{}.{}",
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(header).unwrap()),
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(payload).unwrap()),
        signature
    )
}

#[test]
fn only_hs256_is_accepted() {
    let claims = claims("mer_a", vec![grant("support:*", &[Right::Subscribe])]);
    let none = with_header(&serde_json::json!({"alg": "none", "typ": "JWT"}), &claims, "");
    assert_eq!(verify(&key(), &none, NOW), Err(TokenError::AlgorithmNotAllowed("none".into())));
    let none_upper = with_header(&serde_json::json!({"alg": "None"}), &claims, "");
    assert_eq!(verify(&key(), &none_upper, NOW), Err(TokenError::AlgorithmNotAllowed("None".into())));
    let rs256 = with_header(&serde_json::json!({"alg": "RS256"}), &claims, "c2ln");
    assert_eq!(verify(&key(), &rs256, NOW), Err(TokenError::AlgorithmNotAllowed("RS256".into())));
    let missing = with_header(&serde_json::json!({"typ": "JWT"}), &claims, "c2ln");
    assert!(matches!(verify(&key(), &missing, NOW), Err(TokenError::Malformed(_))));
}

#[test]
fn keys_and_claims_are_checked() {
    assert_eq!(TokenKey::new(b"short").unwrap_err(), TokenError::KeyTooShort);
    assert_eq!(format!("{:?}", key()), "TokenKey(<redacted>)");

    let mut backwards = claims("mer_a", vec![]);
    backwards.exp = backwards.iat;
    assert!(matches!(mint(&key(), &backwards), Err(TokenError::InvalidClaims(_))));
    let mut too_long = claims("mer_a", vec![]);
    too_long.exp = too_long.iat + TOKEN_LIFETIME_SECONDS_MAX + 1;
    assert!(matches!(mint(&key(), &too_long), Err(TokenError::InvalidClaims(_))));

    // A signed payload with an invalid pattern is refused, naming the field.
    let payload = serde_json::json!({
        "sub": "user_1", "name": "A", "mer": "mer_a", "exp": NOW + 60, "iat": NOW,
        "grants": [{"pattern": "*", "rights": ["subscribe"]}]
    });
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let body = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&payload).unwrap());
    let signing_input = format!("{header}.{body}");
    let signed = mint_raw(&signing_input);
    match verify(&key(), &signed, NOW) {
        Err(TokenError::InvalidClaims(message)) => assert!(message.starts_with("grants[0].pattern"), "{message}"),
        other => panic!("expected invalid claims, got {other:?}"),
    }
}

/// Signs an arbitrary signing input the way `mint` does, to test what `verify` makes
/// of payloads `mint` would refuse to produce.
fn mint_raw(signing_input: &str) -> String {
    use hmac::{Hmac, KeyInit, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(b"0123456789abcdef0123456789abcdef-server").unwrap();
    mac.update(signing_input.as_bytes());
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(mac.finalize().into_bytes()))
}

#[test]
fn another_merchants_channels_are_out_of_reach() {
    let all_rights = [Right::Subscribe, Right::Publish, Right::Presence, Right::History];
    let claims = claims("mer_a", vec![grant("support:*", &all_rights), grant("live:*", &all_rights)]);
    let token = mint(&key(), &claims).unwrap();

    // The wrong merchant's verifier refuses the token outright.
    let other = MerchantId::parse("mer_b").unwrap();
    assert_eq!(verify_for_merchant(&key(), &token, &other, NOW), Err(TokenError::WrongMerchant));

    // Even with `*` patterns, a key of another merchant is refused before the patterns.
    let permissions = verify(&key(), &token, NOW).unwrap().permissions().unwrap();
    let foreign = ChannelKey { merchant: other, channel: channel("support:ticket.1") };
    for right in all_rights {
        assert_eq!(permissions.check(&foreign, right), Err(GrantError::OtherMerchant));
    }
    // The same channel name resolved through the token is its own merchant's.
    let own = permissions.key(channel("support:ticket.1"));
    assert_eq!(own.merchant.as_str(), "mer_a");
    assert_ne!(own, foreign);
    assert_eq!(permissions.check(&own, Right::Publish), Ok(()));
}

#[test]
fn a_refresh_keeps_the_identity() {
    let first = claims("mer_a", vec![]);
    let mut renewed = first.clone();
    renewed.exp += 600;
    assert_eq!(renewed.ensure_refresh_of(&first), Ok(()));
    let mut other_user = renewed.clone();
    other_user.sub = UserId::parse("user_2").unwrap();
    assert_eq!(other_user.ensure_refresh_of(&first), Err(TokenError::RefreshChangesIdentity));
    let other_merchant = claims("mer_b", vec![]);
    assert_eq!(other_merchant.ensure_refresh_of(&first), Err(TokenError::RefreshChangesIdentity));
}

#[test]
fn grant_matching_table() {
    let cases: &[(&str, &str, bool)] = &[
        ("live:room_42", "live:room_42", true),
        ("live:room_42", "live:room_43", false),
        ("live:room_42", "live:room_42.sub", false),
        ("live:room_42", "chat:room_42", false),
        ("support:*", "support:a", true),
        ("support:*", "support:ticket.42.items", true),
        ("support:*", "supports:a", false),
        ("support:*", "live:a", false),
        ("shop:orders.*", "shop:orders.ord_1", true),
        ("shop:orders.*", "shop:orders.ord_1.items", true),
        ("shop:orders.*", "shop:orders", false),
        ("shop:orders.*", "shop:ordersX.ord_1", false),
        ("shop:orders.*", "shop:refunds.ord_1", false),
        ("shop:orders.*", "other:orders.ord_1", false),
    ];
    for (pattern, name, expected) in cases {
        let pattern = ChannelPattern::parse(pattern).unwrap();
        assert_eq!(pattern.matches(&channel(name)), *expected, "{pattern} vs {name}");
    }
    for invalid in ["*", "*:a", "live", "live:", "live:a*", "live:*.a", "live:a.*.b", "Live:a", "live:a..b", "live:**"]
    {
        assert!(ChannelPattern::parse(invalid).is_err(), "{invalid}");
    }
    for text in ["live:room_42", "support:*", "shop:orders.*"] {
        assert_eq!(ChannelPattern::parse(text).unwrap().to_string(), text);
    }

    // Rights are per grant: subscribe on everything, publish only on one channel.
    let permissions = Permissions::new(
        MerchantId::parse("mer_a").unwrap(),
        vec![grant("chat:*", &[Right::Subscribe, Right::History]), grant("chat:lobby", &[Right::Publish])],
    )
    .unwrap();
    let lobby = permissions.key(channel("chat:lobby"));
    let room = permissions.key(channel("chat:room.1"));
    assert_eq!(permissions.check(&lobby, Right::Publish), Ok(()));
    assert_eq!(permissions.check(&room, Right::History), Ok(()));
    assert_eq!(
        permissions.check(&room, Right::Publish),
        Err(GrantError::Denied { channel: "chat:room.1".into(), right: Right::Publish })
    );
    assert!(permissions.check(&room, Right::Presence).is_err());
    assert_eq!(Grant::new(ChannelPattern::parse("chat:*").unwrap(), &[]), Err(GrantError::NoRights));
    let too_many = vec![grant("chat:*", &[Right::Subscribe]); GRANTS_MAX + 1];
    assert_eq!(Permissions::new(MerchantId::parse("m").unwrap(), too_many), Err(GrantError::TooManyGrants));
}

#[test]
fn channel_names_resolve_against_configured_namespaces() {
    let namespaces = Namespaces::new([Namespace::new("support"), Namespace::new("live")]).unwrap();
    let (name, namespace) = namespaces.resolve("support:ticket.1").unwrap();
    assert_eq!(name.as_str(), "support:ticket.1");
    assert_eq!(namespace.name, "support");
    assert!(namespaces.resolve("billing:x").is_err());
    for invalid in ["nocolon", ":a", "a:", "1a:b", "a:b c", "a:b..c", "a:.b", "a:b:c", "ä:b"] {
        assert!(ChannelName::parse(invalid).is_err(), "{invalid}");
    }
    assert!(ChannelName::parse(&format!("a:{}", "b".repeat(128))).is_ok());
    assert!(ChannelName::parse(&format!("a:{}", "b".repeat(129))).is_err());
}

#[test]
fn token_and_grant_errors_map_to_protocol_codes() {
    use tradewind_realtime::protocol::{CloseCode, ErrorCode};
    assert_eq!(TokenError::Expired { expires_at: 1 }.code(), ErrorCode::TokenExpired);
    assert_eq!(TokenError::Expired { expires_at: 1 }.close_code(), CloseCode::TokenExpired);
    assert_eq!(TokenError::BadSignature.code(), ErrorCode::TokenInvalid);
    assert_eq!(TokenError::AlgorithmNotAllowed("none".into()).close_code(), CloseCode::TokenInvalid);
    assert_eq!(TokenError::WrongMerchant.code(), ErrorCode::TokenInvalid);
    assert_eq!(GrantError::OtherMerchant.code(), ErrorCode::PermissionDenied);
    assert_eq!(GrantError::InvalidId.code(), ErrorCode::BadRequest);
}
