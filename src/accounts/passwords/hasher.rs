//! `PasswordHasher`: argon2id hashing and verification on a dedicated rayon pool, so a login flood
//! queues CPU work there instead of stalling the tokio workers that serve every other request.
//!
//! The PHC strings are built and read by hand with the `password_hash` types because the crate's
//! `hash_password`/`verify_password` allocate a fresh 19 MiB work area per call; under a flood that
//! grew RSS past 1 GB. Each pool thread keeps one work area while hashes are queued instead, and
//! gives it back when the queue drains, so an idle server stays small.

use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::Context as _;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::RngCore as _;
use secrecy::{ExposeSecret as _, SecretString};
use subtle::ConstantTimeEq as _;
use tokio::sync::oneshot;

use super::django::{self, StoredHash, UnusableReason};

/// OWASP's first argon2id recommendation: 19 MiB, 2 passes, 1 lane, 32-byte output.
// A `const` so a typo fails the build: the `panic!` runs in the compiler, never at run time.
const OUR_PARAMS: Params = match Params::new(19 * 1024, 2, 1, Some(OUR_OUTPUT_LEN)) {
    Ok(params) => params,
    Err(_) => panic!("invalid argon2 parameters"),
};
const OUR_ALGORITHM: Algorithm = Algorithm::Argon2id;
const OUR_VERSION: Version = Version::V0x13;
const OUR_OUTPUT_LEN: usize = 32;
const OUR_SALT_LEN: usize = 16;
/// Memory blocks (1 KiB each) that one hash with our parameters fills.
const OUR_BLOCK_COUNT: usize = OUR_PARAMS.block_count();

/// Verified instead of a real hash when the account is unknown or has no usable password, so that
/// the answer takes as long as a wrong password would. Its password was random and thrown away.
const DUMMY_HASH: &str = concat!(
    "$argon2id$v=19$m=19456,t=2,p=1",
    "$8gwIP836y8fX2BWimEilKw",
    "$RdgffxlHViPnudZK4MXJ3IpIJmwJUZhiy4BYPkJQPUU",
);

/// Password verifications run (a dummy hash's too): what logins cost, for the operator to watch
/// under a credential-stuffing attack.
const VERIFICATIONS: &str = "storefront_password_verifications_total";

/// Longest argon2 salt the PHC format carries (64 base64 characters).
const MAX_SALT_LEN: usize = 48;

thread_local! {
    /// The argon2 work area of one pool thread, allocated by its first hash of a burst and reused by
    /// every hash until the queue drains.
    static WORK_AREA: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

/// Blocks reserved (not touched) for a work area: 33 MiB, above glibc's 32 MiB cap on its dynamic
/// mmap threshold. An allocation that size is always its own `mmap`, and freeing it always
/// unmaps it. A 19 MiB one would be mapped only the first time: its `free` raises the threshold
/// past 19 MiB, later areas then come from malloc's arenas, which keep freed memory resident, and
/// after a login flood the idle server held over 250 MB. Untouched pages of the reserve cost no
/// memory. (The server binary allocates with jemalloc, see `src/main.rs`, which gives a freed area
/// back by itself after a short decay; the reserve matters wherever the library runs on glibc.)
const WORK_AREA_RESERVED_BLOCKS: usize = 33 * 1024;

/// A work area of our size, in its own mapping (see [`WORK_AREA_RESERVED_BLOCKS`]).
fn new_work_area() -> Vec<Block> {
    let mut work_area = Vec::with_capacity(WORK_AREA_RESERVED_BLOCKS.max(OUR_BLOCK_COUNT));
    work_area.resize(OUR_BLOCK_COUNT, Block::new());
    work_area
}

/// Frees this thread's work area; its mapping goes back to the operating system at once.
fn release_work_area() {
    WORK_AREA.with(|cell| {
        if let Ok(mut work_area) = cell.try_borrow_mut() {
            *work_area = Vec::new();
        }
    });
}

/// The outcome of checking a password against a stored hash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verification {
    /// Wrong password, unknown account, or an account without a usable password.
    Invalid,
    /// The password matches; `needs_rehash` asks the caller to store a fresh [`PasswordHasher::hash`]
    /// because the stored one is a Django format or uses other argon2 parameters.
    Valid { needs_rehash: bool },
}

/// Hashes and verifies passwords on its own thread pool; cheap to share behind an `Arc`.
pub struct PasswordHasher {
    pool: rayon::ThreadPool,
    /// Jobs handed to the pool that no thread has started yet.
    queued: Arc<AtomicUsize>,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("PasswordHasher")
            .field("threads", &self.pool.current_num_threads())
            .finish()
    }
}

impl PasswordHasher {
    /// `threads`: size of a dedicated rayon pool used only for hashing (the server passes the core
    /// count). Every thread's 19 MiB work area is allocated here, once.
    pub fn new(threads: usize) -> anyhow::Result<Self> {
        anyhow::ensure!(
            threads > 0,
            "the password hashing pool needs at least one thread"
        );
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .thread_name(|index| format!("password-hash-{index}"))
            // Rayon aborts the process on a panicking job unless a handler is set. The job's sender
            // is dropped while unwinding, so the caller still gets an error. The payload is not
            // logged: it could quote a password.
            .panic_handler(|_payload| tracing::error!("a password hashing job panicked"))
            .build()
            .context("starting the password hashing thread pool")?;
        // Work areas are allocated by each thread's first hash, not here: an idle server stays
        // small (the benchmark's idle target is 30 MB; two areas alone are 38 MiB).
        Ok(Self {
            pool,
            queued: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// New argon2id hash, PHC string `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>` (OWASP params,
    /// 16-byte random salt, 32-byte output).
    pub async fn hash(&self, password: SecretString) -> anyhow::Result<String> {
        self.run_on_pool(move || hash_with_our_params(&password))
            .await?
            .context("hashing a password with argon2id")
    }

    /// Verifies against a stored hash. `stored == None` (unknown user) or an unusable hash (Django's
    /// "!..." prefix, empty, unparseable) verifies against a fixed dummy argon2id hash with our
    /// parameters so the caller does the same work, then answers Invalid.
    pub async fn verify(
        &self,
        password: SecretString,
        stored: Option<String>,
    ) -> anyhow::Result<Verification> {
        self.run_on_pool(move || {
            // Counted where the work is done: a request dropped while queued costs none.
            metrics::counter!(VERIFICATIONS).increment(1);
            verify_stored(&password, stored.as_deref())
        })
        .await
    }

    /// Runs `job` on the pool inside the caller's tracing span and awaits its result.
    async fn run_on_pool<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> anyhow::Result<T> {
        let (sender, receiver) = oneshot::channel();
        let span = tracing::Span::current();
        let queued = Arc::clone(&self.queued);
        queued.fetch_add(1, Ordering::SeqCst);
        self.pool.spawn(move || {
            queued.fetch_sub(1, Ordering::SeqCst);
            // The request was dropped (client gone, timeout) while the job queued: under a flood,
            // skipping its hash shortens everyone else's wait.
            let result = (!sender.is_closed()).then(|| span.in_scope(job));
            // The burst is over when nothing waits: every thread frees its area once it is between
            // jobs (broadcast jobs queue per thread, ahead of new work). Under a flood the queue
            // rarely drains, so the areas are reused; a lone login pays ~2 ms to map a fresh one.
            if queued.load(Ordering::SeqCst) == 0 {
                // Called from a pool thread, this broadcasts on this pool, not rayon's global one.
                rayon::spawn_broadcast(|_| release_work_area());
            }
            if let Some(result) = result {
                // A send error means the request was dropped meanwhile; nobody is left to tell.
                let _ = sender.send(result);
            }
        });
        receiver
            .await
            .context("the password hashing job ended without an answer (it panicked)")
    }
}

/// Hashes `password` with our parameters and a fresh random salt into a PHC string.
fn hash_with_our_params(password: &SecretString) -> anyhow::Result<String> {
    let mut salt = [0_u8; OUR_SALT_LEN];
    rand::rng().fill_bytes(&mut salt);
    let mut output = [0_u8; OUR_OUTPUT_LEN];
    argon2_into(
        OUR_ALGORITHM,
        OUR_VERSION,
        OUR_PARAMS,
        password,
        &salt,
        &mut output,
    )?;
    let salt = SaltString::encode_b64(&salt).map_err(anyhow::Error::msg)?;
    let phc = PasswordHash {
        algorithm: OUR_ALGORITHM.ident(),
        version: Some(OUR_VERSION.into()),
        params: ParamsString::try_from(&OUR_PARAMS).map_err(anyhow::Error::msg)?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&output).map_err(anyhow::Error::msg)?),
    };
    Ok(phc.to_string())
}

/// What checking a password against one readable stored hash found.
struct Check {
    matches: bool,
    needs_rehash: bool,
}

/// Checks `password` against whatever the column holds. Whenever no real check can run, the dummy
/// hash is checked instead, so every path costs at least one argon2id with our parameters.
fn verify_stored(password: &SecretString, stored: Option<&str>) -> Verification {
    let check = match stored.map(django::parse_stored_hash) {
        None | Some(StoredHash::Unusable(UnusableReason::NoPassword)) => None,
        Some(StoredHash::Unusable(UnusableReason::UnsupportedFormat)) => {
            // Never log the value itself: a botched import may have stored plaintext passwords.
            tracing::warn!(
                "stored password hash has an unsupported format; treating it as unusable"
            );
            None
        }
        Some(readable) => {
            let check = check_readable(password, readable);
            if check.is_none() {
                tracing::warn!("stored password hash is malformed; treating it as unusable");
            }
            check
        }
    };
    match check {
        Some(Check {
            matches: true,
            needs_rehash,
        }) => Verification::Valid { needs_rehash },
        Some(Check { matches: false, .. }) => Verification::Invalid,
        None => {
            // The dummy's password is unknown, and the answer is Invalid whatever it says.
            std::hint::black_box(check_argon2(password, DUMMY_HASH));
            Verification::Invalid
        }
    }
}

/// Runs the check a readable format calls for; `None` when a field turns out malformed.
fn check_readable(password: &SecretString, stored: StoredHash<'_>) -> Option<Check> {
    let legacy = |matches| Check {
        matches,
        needs_rehash: true,
    };
    match stored {
        StoredHash::Argon2 {
            phc,
            is_from_django,
        } => check_argon2(password, phc).map(|check| Check {
            needs_rehash: check.needs_rehash || is_from_django,
            ..check
        }),
        StoredHash::Pbkdf2Sha256 {
            iterations,
            salt,
            key_base64,
        } => django::verify_pbkdf2_sha256(password, iterations, salt, key_base64).map(legacy),
        StoredHash::BcryptSha256 { bcrypt } => {
            django::verify_bcrypt_sha256(password, bcrypt).map(legacy)
        }
        StoredHash::Unusable(_) => None,
    }
}

/// Checks `password` against an argon2 PHC string, which needs a rehash unless it uses exactly our
/// algorithm, version and parameters. `None` when it cannot be read.
fn check_argon2(password: &SecretString, phc: &str) -> Option<Check> {
    let stored = PasswordHash::new(phc).ok()?;
    let algorithm = Algorithm::try_from(stored.algorithm).ok()?;
    // A PHC string without `v=` is read as 0x13, as the argon2 crate's own verifier does.
    let version = match stored.version {
        Some(version) => Version::try_from(version).ok()?,
        None => Version::default(),
    };
    let params = Params::try_from(&stored).ok()?;
    let mut salt_buffer = [0_u8; MAX_SALT_LEN];
    let salt = stored.salt?.decode_b64(&mut salt_buffer).ok()?;
    let expected = stored.hash?;
    let mut output_buffer = [0_u8; Output::MAX_LENGTH];
    let output = output_buffer.get_mut(..expected.len())?;

    let has_our_params =
        algorithm == OUR_ALGORITHM && version == OUR_VERSION && params == OUR_PARAMS;
    argon2_into(algorithm, version, params, password, salt, output).ok()?;
    Some(Check {
        matches: output.ct_eq(expected.as_bytes()).into(),
        needs_rehash: !has_our_params,
    })
}

/// Computes an argon2 hash into `output`, in this thread's reusable work area when it is big enough.
fn argon2_into(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &SecretString,
    salt: &[u8],
    output: &mut [u8],
) -> anyhow::Result<()> {
    let block_count = params.block_count();
    let argon2 = Argon2::new(algorithm, version, params);
    with_work_area(block_count, |work_area| {
        argon2.hash_password_into_with_memory(
            password.expose_secret().as_bytes(),
            salt,
            output,
            work_area,
        )
    })
    .map_err(anyhow::Error::msg)
}

/// Lends `f` a work area of at least `block_count` blocks: this thread's own when our parameters
/// fit in it, else a temporary one. Hashes with bigger parameters (Django's default is 100 MiB)
/// are rare, and keeping their size for the thread's life would multiply resident memory.
// The area keeps the last hash's blocks after use. Wiping 19 MiB per hash costs a noticeable share
// of the hash itself, and anyone who can read this process's memory also reads request bodies.
fn with_work_area<R>(block_count: usize, f: impl FnOnce(&mut [Block]) -> R) -> R {
    if block_count > OUR_BLOCK_COUNT {
        return f(&mut vec![Block::new(); block_count]);
    }
    WORK_AREA.with(|cell| match cell.try_borrow_mut() {
        Ok(mut work_area) => {
            if work_area.len() < OUR_BLOCK_COUNT {
                *work_area = new_work_area();
            }
            f(&mut work_area)
        }
        // Only re-entrancy could get here, and no job nests another; falling back beats a panic.
        Err(_) => f(&mut vec![Block::new(); block_count]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `make_password()` outputs of Django 5.2.19 (argon2-cffi 25.1, bcrypt 5.0), with their passwords.
    /// Low-cost settings keep the suite fast; the `*_DJANGO_DEFAULT` vectors use Django's defaults.
    mod django_vectors {
        pub const PBKDF2_1000: (&str, &str) = (
            "correct horse battery staple",
            "pbkdf2_sha256$1000$betsvXII1ibNe8ToHAzSTb$7A5fAK1MQ9sxFS4Xg2C1KuO1HjdKcv/ZaCk7UrxhGEo=",
        );
        pub const PBKDF2_1000_UNICODE: (&str, &str) = (
            "pässwörd 🔑 İstanbul",
            "pbkdf2_sha256$1000$AP2zZITmHhkuAAjrF5jlBP$upPbACxZ/WxH1ULooxAX22Bv27LL5A82GmdoE1qXSWk=",
        );
        pub const PBKDF2_1000_EMPTY: (&str, &str) = (
            "",
            "pbkdf2_sha256$1000$yjrrwFeWHYdOLLCidS8Py7$yMfBOwYZgyASKR9ZlGszKXsAaxypvRWfTJnZrT75GbI=",
        );
        /// Django 5.2's default of 1,000,000 iterations.
        pub const PBKDF2_DJANGO_DEFAULT: (&str, &str) = (
            "storefront-legacy",
            "pbkdf2_sha256$1000000$g1z1fG9BIUA93qJx11yrFC$3IrEhqtIkUKYrj9pIq8oEDrVMbsSZQCsh6mJPlSWOxE=",
        );
        /// Django's default argon2: m=102400 (100 MiB), t=2, p=8.
        pub const ARGON2ID_DJANGO_DEFAULT: (&str, &str) = (
            "correct horse battery staple",
            "argon2$argon2id$v=19$m=102400,t=2,p=8$bXVuMHY5VDN5OUVtUHBrS1AyQld6TQ$HWrKm5cKhTN0PjmwB2c1iXcbkeu9S6SpLJ88yMbUI1E",
        );
        pub const ARGON2ID_SMALL_UNICODE: (&str, &str) = (
            "pässwörd 🔑 İstanbul",
            "argon2$argon2id$v=19$m=1024,t=2,p=2$U2twOUlZWDFYVGloMnpmZEJVeTdhdw$hd41Qfi4KdsUxMmy4rrLqjpzhlMce8FY8dJqPkzEHH4",
        );
        /// Django only writes argon2id but verifies argon2i, which older installs hold.
        pub const ARGON2I_SMALL: (&str, &str) = (
            "correct horse battery staple",
            "argon2$argon2i$v=19$m=1024,t=2,p=2$OPo5bB94zRNKJGr1x3YvmA$wMeslyza2TaXH2Z5fvItDERxCCkwK/MGoFTN89dH7g4",
        );
        pub const BCRYPT_SHA256_COST_4: (&str, &str) = (
            "correct horse battery staple",
            "bcrypt_sha256$$2b$04$eE06I1S1zdpPvOrG871rVeSygAt2kdCA7hzrYxn3HFI3OF7WfoQcW",
        );
        /// Longer than bcrypt's 72-byte limit: the SHA-256 pre-hash is what makes it work.
        pub const BCRYPT_SHA256_COST_4_LONG: (&str, &str) = (
            "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa🔑",
            "bcrypt_sha256$$2b$04$Qtln/0w6BaB52OYKcIskreQblX.Xsugpry3eRpB.hJk1VtO8pVxxm",
        );
        /// Django's default cost of 12.
        pub const BCRYPT_SHA256_DJANGO_DEFAULT: (&str, &str) = (
            "storefront-legacy",
            "bcrypt_sha256$$2b$12$YkcEBGc.FLmP83GMHWpKe.e.bH49pHQMnFquxP.TDnxDw3DOCPU.6",
        );
    }

    /// Written by argon2-cffi 25.1 (the C reference code) with our parameters, for a cross-check.
    const REFERENCE_HASH_WITH_OUR_PARAMS: (&str, &str) = (
        "correct horse battery staple",
        "$argon2id$v=19$m=19456,t=2,p=1$yf8JbWt54NYQFTpHjxlQNg$rEh+LMF+Per832f8wglxSzFFMFHtlwGQBj+21TKoB5M",
    );
    /// Our format, but m=12288,t=3 (OWASP's second option), also by argon2-cffi.
    const REFERENCE_HASH_WITH_OTHER_PARAMS: (&str, &str) = (
        "correct horse battery staple",
        "$argon2id$v=19$m=12288,t=3,p=1$6Nxi9Ho56ym8WhrCF5/NTA$dCFCcKe8H4xzDIy4UqMWofYglZc1sKiSJ/0LkwMx160",
    );

    fn hasher() -> PasswordHasher {
        PasswordHasher::new(2).unwrap()
    }

    fn secret(password: &str) -> SecretString {
        SecretString::from(password)
    }

    async fn verify(hasher: &PasswordHasher, (password, stored): (&str, &str)) -> Verification {
        hasher
            .verify(secret(password), Some(stored.to_owned()))
            .await
            .unwrap()
    }

    async fn verify_wrong_password(hasher: &PasswordHasher, stored: &str) -> Verification {
        hasher
            .verify(secret("wrong password"), Some(stored.to_owned()))
            .await
            .unwrap()
    }

    const FRESH: Verification = Verification::Valid {
        needs_rehash: false,
    };
    const STALE: Verification = Verification::Valid { needs_rehash: true };

    #[test]
    fn the_hasher_can_live_in_shared_app_state() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<PasswordHasher>();
    }

    #[test]
    fn debug_output_shows_only_the_pool_size() {
        assert_eq!(format!("{:?}", hasher()), "PasswordHasher { threads: 2 }");
    }

    #[test]
    fn a_pool_without_threads_is_refused() {
        assert!(PasswordHasher::new(0).is_err());
    }

    #[test]
    fn the_dummy_hash_costs_the_same_as_a_real_one() {
        let check = check_argon2(&secret("anything"), DUMMY_HASH).unwrap();

        assert!(!check.needs_rehash);
    }

    #[tokio::test]
    async fn a_new_hash_is_an_argon2id_phc_string_with_owasp_parameters() {
        let hash = hasher()
            .hash(secret("correct horse battery staple"))
            .await
            .unwrap();

        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(
            hash.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"),
            "{hash}"
        );
        assert_eq!(
            parsed.salt.unwrap().as_str().len(),
            22,
            "16 bytes in unpadded base64"
        );
        assert_eq!(parsed.hash.unwrap().len(), 32);
    }

    #[tokio::test]
    async fn a_new_hash_verifies_and_needs_no_rehash() {
        let hasher = hasher();

        let hash = hasher
            .hash(secret("correct horse battery staple"))
            .await
            .unwrap();

        assert_eq!(
            verify(&hasher, ("correct horse battery staple", &hash)).await,
            FRESH
        );
        assert_eq!(
            verify_wrong_password(&hasher, &hash).await,
            Verification::Invalid
        );
    }

    #[tokio::test]
    async fn the_same_password_hashes_differently_each_time() {
        let hasher = hasher();

        let first = hasher.hash(secret("same")).await.unwrap();
        let second = hasher.hash(secret("same")).await.unwrap();

        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn hashes_from_the_reference_implementation_verify() {
        let hasher = hasher();

        assert_eq!(verify(&hasher, REFERENCE_HASH_WITH_OUR_PARAMS).await, FRESH);
        assert_eq!(
            verify(&hasher, REFERENCE_HASH_WITH_OTHER_PARAMS).await,
            STALE
        );
        assert_eq!(
            verify_wrong_password(&hasher, REFERENCE_HASH_WITH_OTHER_PARAMS.1).await,
            Verification::Invalid
        );
    }

    #[tokio::test]
    async fn an_unknown_account_or_unusable_hash_is_invalid() {
        let hasher = hasher();
        let unusable = [
            "",
            "!Xx0s6fK1mLwLYfDJbq0pE6iBh2lq9a2iXQnA3T7",
            "md5$salt$5f4dcc3b5aa765d61d8327deb882cf99",
            "correct horse battery staple",
            "$argon2id$v=19$m=19456,t=2,p=1$tooshort$rEh+LMF+Per832f8wglxSzFFMFHtlwGQBj+21TKoB5M",
            "$argon2id$v=19$m=19456,t=2,p=1$yf8JbWt54NYQFTpHjxlQNg",
            "$argon2id$v=18$m=19456,t=2,p=1$yf8JbWt54NYQFTpHjxlQNg$rEh+LMF+Per832f8wglxSzFFMFHtlwGQBj+21TKoB5M",
            "pbkdf2_sha256$1000$salt$c2hvcnQ=",
        ];

        let unknown = hasher
            .verify(secret("correct horse battery staple"), None)
            .await
            .unwrap();

        assert_eq!(unknown, Verification::Invalid);
        for stored in unusable {
            assert_eq!(
                verify(&hasher, ("correct horse battery staple", stored)).await,
                Verification::Invalid,
                "{stored:?}"
            );
        }
    }

    #[tokio::test]
    async fn django_pbkdf2_sha256_hashes_verify_and_need_a_rehash() {
        let hasher = hasher();

        for vector in [
            django_vectors::PBKDF2_1000,
            django_vectors::PBKDF2_1000_UNICODE,
            django_vectors::PBKDF2_1000_EMPTY,
        ] {
            assert_eq!(verify(&hasher, vector).await, STALE, "{}", vector.1);
            assert_eq!(
                verify_wrong_password(&hasher, vector.1).await,
                Verification::Invalid
            );
        }
    }

    #[tokio::test]
    async fn a_django_pbkdf2_hash_with_default_iterations_verifies() {
        let hasher = hasher();

        assert_eq!(
            verify(&hasher, django_vectors::PBKDF2_DJANGO_DEFAULT).await,
            STALE
        );
    }

    #[tokio::test]
    async fn django_argon2_hashes_verify_and_need_a_rehash() {
        let hasher = hasher();

        for vector in [
            django_vectors::ARGON2ID_DJANGO_DEFAULT,
            django_vectors::ARGON2ID_SMALL_UNICODE,
            django_vectors::ARGON2I_SMALL,
        ] {
            assert_eq!(verify(&hasher, vector).await, STALE, "{}", vector.1);
        }
        assert_eq!(
            verify_wrong_password(&hasher, django_vectors::ARGON2I_SMALL.1).await,
            Verification::Invalid
        );
    }

    #[tokio::test]
    async fn django_bcrypt_sha256_hashes_verify_and_need_a_rehash() {
        let hasher = hasher();

        for vector in [
            django_vectors::BCRYPT_SHA256_COST_4,
            django_vectors::BCRYPT_SHA256_COST_4_LONG,
            django_vectors::BCRYPT_SHA256_DJANGO_DEFAULT,
        ] {
            assert_eq!(verify(&hasher, vector).await, STALE, "{}", vector.1);
        }
        assert_eq!(
            verify_wrong_password(&hasher, django_vectors::BCRYPT_SHA256_COST_4.1).await,
            Verification::Invalid
        );
    }

    #[tokio::test]
    async fn hashing_runs_on_the_dedicated_pool() {
        let hasher = hasher();

        let thread_name = hasher
            .run_on_pool(|| std::thread::current().name().map(str::to_owned))
            .await
            .unwrap();

        assert!(thread_name.unwrap().starts_with("password-hash-"));
    }

    /// `(address, blocks)` of the calling pool thread's work area.
    fn work_area() -> (usize, usize) {
        WORK_AREA.with(|cell| {
            let work_area = cell.borrow();
            (work_area.as_ptr() as usize, work_area.len())
        })
    }

    #[tokio::test]
    async fn a_burst_of_hashes_reuses_one_work_area_and_frees_it_when_the_queue_drains() {
        let hasher = PasswordHasher::new(1).unwrap();
        let hash_and_look = || {
            hash_with_our_params(&secret("one")).unwrap();
            work_area()
        };
        let idle = hasher.pool.broadcast(|_| work_area().1);
        // The only thread waits at the gate until both hashes are queued behind it.
        let (open_gate, gate) = std::sync::mpsc::channel::<()>();
        hasher.pool.spawn(move || gate.recv().unwrap());

        let (first, second, ()) = tokio::join!(
            hasher.run_on_pool(hash_and_look),
            hasher.run_on_pool(hash_and_look),
            async { open_gate.send(()).unwrap() },
        );
        let after_the_burst = hasher.pool.broadcast(|_| work_area().1);

        assert_eq!(idle, [0], "nothing allocated before the first hash");
        let first = first.unwrap();
        assert_eq!(first.1, OUR_BLOCK_COUNT);
        assert_eq!(second.unwrap(), first, "the queued hash reused the area");
        assert_eq!(after_the_burst, [0], "freed once nothing was queued");
    }

    #[test]
    fn a_work_area_is_reserved_past_the_dynamic_mmap_threshold_cap() {
        const GLIBC_MMAP_THRESHOLD_MAX: usize = 32 * 1024 * 1024;

        let work_area = new_work_area();

        assert_eq!(work_area.len(), OUR_BLOCK_COUNT);
        assert!(work_area.capacity() * std::mem::size_of::<Block>() > GLIBC_MMAP_THRESHOLD_MAX);
    }

    proptest::proptest! {
        // Each case costs two argon2id runs, so only a few.
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(4))]
        #[test]
        fn any_short_password_verifies_against_its_own_hash(password in "\\PC{0,24}") {
            let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
            let hasher = PasswordHasher::new(1).unwrap();

            let verification = runtime.block_on(async {
                let hash = hasher.hash(secret(&password)).await.unwrap();
                verify(&hasher, (&password, &hash)).await
            });

            proptest::prop_assert_eq!(verification, FRESH);
        }
    }
}
