//! The machine's services a test needs (Redis, RabbitMQ, Chromium, aiosmtpd, ...): outside CI
//! a test without its service says so and passes; under `CI=true` it fails.

/// Whether this is a CI run (`CI=true`), where a missing service fails the test.
pub fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The machine's shared Redis: `COMPLY360_TEST_REDIS_URL`, else `redis://127.0.0.1:6379`.
pub fn redis_url() -> String {
    std::env::var("COMPLY360_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}
