//! Login floods: failure budgets per key, fair admission to argon2, and revocation disclosed only
//! to the right secret. argon2 is made cheap; what is counted is argon2 runs and who finished
//! first, never wall time.

use super::*;
use crate::service::catalog::ActiveToken;
use crate::service::secrets::{Argon2Cost, KeyHash, hash_secret};

const ALICE: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
const BOB: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";

fn catalog() -> Catalog {
    let cheap = KeyHash::Argon2id(Argon2Cost {
        memory_kib: 64,
        iterations: 1,
    });
    let mut catalog = Catalog::default();
    for key in [ALICE, BOB] {
        let token = ActiveToken::new(
            PublicKey::parse(key).unwrap(),
            ProjectSlug::parse("shop").unwrap(),
            hash_secret(&format!("{key}-secret"), cheap).unwrap(),
        );
        std::sync::Arc::make_mut(&mut catalog.tokens)
            .insert(key.to_string(), std::sync::Arc::new(token));
    }
    catalog
}

fn header(key: &str, secret: &str) -> String {
    let pair = format!("{key}:{secret}");
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(pair)
    )
}

fn right(key: &str) -> String {
    header(key, &format!("{key}-secret"))
}

fn limits(failure_budget: u32, retry_every: Duration) -> AdmissionLimits {
    AdmissionLimits {
        failure_budget,
        retry_every,
        max_parallel: 1,
        refusal_delay: Duration::ZERO,
        ..AdmissionLimits::default()
    }
}

#[tokio::test]
async fn a_refusal_that_cost_no_hashing_is_held_before_it_is_answered() {
    let hold = Duration::from_millis(300);
    let auth = Auth::with_limits(AdmissionLimits {
        refusal_delay: hold,
        ..limits(1, AN_HOUR)
    });
    let catalog = catalog();
    let wrong = header(ALICE, "guess");
    let first = auth.authenticate(&catalog, Some(&wrong)).await;
    assert_eq!(first.unwrap_err(), AuthError::WrongSecret);
    for attempt in [wrong.clone(), header(ALICE, "another guess")] {
        let started = std::time::Instant::now();
        let refused = auth.authenticate(&catalog, Some(&attempt)).await;
        assert_eq!(refused.unwrap_err(), AuthError::WrongSecret);
        assert!(
            started.elapsed() >= hold,
            "answered after {:?}",
            started.elapsed()
        );
    }
    assert_eq!(auth.admission.hashes(), 1);
}

const AN_HOUR: Duration = Duration::from_secs(3600);

#[tokio::test]
async fn wrong_secrets_beyond_the_budget_are_answered_without_hashing() {
    let auth = Auth::with_limits(limits(3, AN_HOUR));
    let catalog = catalog();
    for guess in 0..3 {
        let attempt = header(ALICE, &format!("guess-{guess}"));
        let refused = auth.authenticate(&catalog, Some(&attempt)).await;
        assert_eq!(refused.unwrap_err(), AuthError::WrongSecret);
    }
    assert_eq!(auth.admission.hashes(), 3);
    for guess in 3..50 {
        let attempt = header(ALICE, &format!("guess-{guess}"));
        let refused = auth.authenticate(&catalog, Some(&attempt)).await;
        assert_eq!(refused.unwrap_err(), AuthError::WrongSecret);
    }
    let refused = auth.authenticate(&catalog, Some(&right(ALICE))).await;
    assert_eq!(refused.unwrap_err(), AuthError::WrongSecret, "not yet due");
    assert_eq!(auth.admission.hashes(), 3, "the spent budget spared argon2");
    let other = auth.authenticate(&catalog, Some(&right(BOB))).await;
    assert_eq!(
        other.unwrap().public_key.as_str(),
        BOB,
        "other keys keep theirs"
    );
}

#[tokio::test]
async fn the_right_secret_gets_in_once_a_retry_is_due_even_with_the_budget_spent() {
    let auth = Auth::with_limits(limits(2, Duration::from_millis(50)));
    let catalog = catalog();
    for guess in 0..2 {
        let attempt = header(ALICE, &format!("guess-{guess}"));
        let refused = auth.authenticate(&catalog, Some(&attempt)).await;
        assert_eq!(refused.unwrap_err(), AuthError::WrongSecret);
    }
    tokio::time::sleep(Duration::from_millis(60)).await;
    let caller = auth.authenticate(&catalog, Some(&right(ALICE))).await;
    assert_eq!(caller.unwrap().public_key.as_str(), ALICE);
    assert_eq!(auth.admission.hashes(), 3);
}

#[tokio::test]
async fn a_flood_against_one_key_does_not_hold_up_another_keys_first_login() {
    // A budget the flood never spends, so every one of its attempts wants argon2.
    let auth = Arc::new(Auth::with_limits(limits(1000, AN_HOUR)));
    let catalog = Arc::new(catalog());
    let flood: Vec<_> = (0..40)
        .map(|guess| {
            let (auth, catalog) = (auth.clone(), catalog.clone());
            let attempt = header(ALICE, &format!("guess-{guess}"));
            tokio::spawn(async move { auth.authenticate(&catalog, Some(&attempt)).await })
        })
        .collect();
    // One pass over the runtime's tasks: every flood attempt is queued before the other key's
    // first login arrives.
    tokio::task::yield_now().await;
    let caller = auth.authenticate(&catalog, Some(&right(BOB))).await;
    assert_eq!(caller.unwrap().public_key.as_str(), BOB);
    let finished = flood.iter().filter(|attempt| attempt.is_finished()).count();
    // Without fair admission all 40 would have gone first; a few may finish meanwhile.
    assert!(finished < 10, "{finished} flood attempts went first");
    for attempt in flood {
        assert_eq!(attempt.await.unwrap().unwrap_err(), AuthError::WrongSecret);
    }
    assert_eq!(auth.admission.hashes(), 41);
}

#[tokio::test]
async fn a_revoked_token_is_named_only_to_its_right_secret() {
    let auth = Auth::default();
    let mut catalog = catalog();
    revoke_in(&mut catalog, ALICE);
    let guess = auth
        .authenticate(&catalog, Some(&header(ALICE, "guess")))
        .await;
    assert_eq!(
        guess.unwrap_err().message(),
        AuthError::UnknownToken.message()
    );
    for _ in 0..2 {
        let owner = auth.authenticate(&catalog, Some(&right(ALICE))).await;
        assert_eq!(owner.unwrap_err(), AuthError::Revoked);
    }
    assert_eq!(
        auth.admission.hashes(),
        2,
        "the owner's proof is remembered"
    );
    let unknown = auth
        .authenticate(&catalog, Some(&header(&"c".repeat(32), "guess")))
        .await;
    assert_eq!(unknown.unwrap_err(), AuthError::UnknownToken);
    assert_eq!(auth.admission.hashes(), 2, "an unknown key costs no argon2");
}

#[tokio::test]
async fn publisher_credentials_spend_the_same_budget() {
    let auth = Auth::with_limits(limits(2, AN_HOUR));
    let hash = std::sync::Arc::make_mut(&mut catalog().tokens)
        .remove(ALICE)
        .unwrap()
        .secret_hash
        .clone();
    for guess in 0..5 {
        let attempt = header(ALICE, &format!("guess-{guess}"));
        let refused = auth
            .verify_credential(&attempt, ALICE, format!("guess-{guess}"), hash.clone())
            .await;
        assert_eq!(refused.unwrap_err(), AuthError::WrongSecret);
    }
    assert_eq!(auth.admission.hashes(), 2);
}

#[tokio::test]
async fn a_sha256_key_is_checked_without_an_argon2_slot_and_keeps_its_failure_budget() {
    const CAROL: &str = "cccccccccccccccccccccccccccccccc";
    let mut catalog = catalog();
    let token = ActiveToken::new(
        PublicKey::parse(CAROL).unwrap(),
        ProjectSlug::parse("shop").unwrap(),
        hash_secret(&format!("{CAROL}-secret"), KeyHash::Sha256).unwrap(),
    );
    std::sync::Arc::make_mut(&mut catalog.tokens)
        .insert(CAROL.to_string(), std::sync::Arc::new(token));
    // No argon2 check can even queue, so only a key that needs none gets through.
    let auth = Auth::with_limits(AdmissionLimits {
        max_queued: 0,
        ..limits(2, AN_HOUR)
    });
    let argon2_key = auth.authenticate(&catalog, Some(&right(ALICE))).await;
    assert_eq!(argon2_key.unwrap_err(), AuthError::Busy);
    let caller = auth.authenticate(&catalog, Some(&right(CAROL))).await;
    assert_eq!(caller.unwrap().public_key.as_str(), CAROL);
    let fresh = Auth::with_limits(limits(2, AN_HOUR));
    for guess in 0..2 {
        let attempt = header(CAROL, &format!("guess-{guess}"));
        let refused = fresh.authenticate(&catalog, Some(&attempt)).await;
        assert_eq!(refused.unwrap_err(), AuthError::WrongSecret);
    }
    let after_budget = fresh.authenticate(&catalog, Some(&right(CAROL))).await;
    assert_eq!(
        after_budget.unwrap_err(),
        AuthError::WrongSecret,
        "the spent budget holds the right secret back until a retry is due"
    );
    assert_eq!(auth.admission.hashes() + fresh.admission.hashes(), 0);
}
