//! Where the pacer meets the SDK: the interceptor on every client names each attempt's bucket
//! and tells the pacer about throttles; the HTTP client waits for the bucket before sending and never lets an
//! attempt run past the command's deadline; a retry classifier treats ECS's "Too many concurrent
//! attempts to create a new revision" as the contention it is. The SDK stays the transport:
//! signing, endpoints and standard retries are its own.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::retry::RetryConfig;
use aws_config::Region;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeTransmitInterceptorContextMut, FinalizerInterceptorContextRef, InterceptorContext,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse, Metadata};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::retries::classifiers::{ClassifyRetry, RetryAction};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

use super::error::{kind_of, DeadlineReached, ErrorKind};
use super::pacer::{BucketKey, Pacer};

/// Attempts per call, the first included, and the longest backoff between two. A poll that
/// keeps failing is left to the next poll tick (the wait goes on) — after three tries, so that
/// the last of a round's batched reads, throttled once, is not missed round after round (its
/// service never seen while the others are); another read is tried a
/// while longer; a change is retried until it succeeds, fails for a real reason, or the
/// deadline comes. Backoffs are short: after a throttle the pacer already holds the retry until
/// its bucket has a token.
const POLL: (u32, Duration) = (3, Duration::from_secs(1));
const READ: (u32, Duration) = (10, Duration::from_secs(2));
const CHANGE: (u32, Duration) = (30, Duration::from_secs(5));
const INITIAL_BACKOFF: Duration = Duration::from_millis(50);

tokio::task_local! {
    /// Set while a wait looks at AWS (`poll.rs`): reads made then are polls.
    static POLLING: ();
}

/// Runs `look` as one poll of a wait: its reads are not retried past a quick second try.
pub async fn polling<F: Future>(look: F) -> F::Output {
    POLLING.scope((), look).await
}

/// Retry settings for polls, other reads and changes; `AWS_MAX_ATTEMPTS` sets them all.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    polls: RetryConfig,
    reads: RetryConfig,
    changes: RetryConfig,
}

impl RetryPolicy {
    pub fn from_env(env: impl Fn(&str) -> Option<String>) -> Self {
        let fixed = env("AWS_MAX_ATTEMPTS")
            .and_then(|v| v.trim().parse::<u32>().ok())
            .filter(|n| *n > 0);
        let config = |(attempts, max_backoff): (u32, Duration)| {
            RetryConfig::standard()
                .with_max_attempts(fixed.unwrap_or(attempts))
                .with_initial_backoff(INITIAL_BACKOFF)
                .with_max_backoff(max_backoff)
        };
        RetryPolicy {
            polls: config(POLL),
            reads: config(READ),
            changes: config(CHANGE),
        }
    }

    fn for_operation(&self, operation: &str, in_poll: bool) -> &RetryConfig {
        match (is_read(operation), in_poll) {
            (true, true) => &self.polls,
            (true, false) => &self.reads,
            (false, _) => &self.changes,
        }
    }
}

fn is_read(operation: &str) -> bool {
    ["Describe", "List", "Get", "BatchGet"]
        .iter()
        .any(|prefix| operation.starts_with(prefix))
}

/// After the deadline, AWS calls (and the Slack report) may go on this long: enough to stop the
/// task and report.
pub const REPORT_GRACE: Duration = Duration::from_secs(10);

/// The command's deadline and the pacer, shared by every client of the process.
#[derive(Debug, Clone)]
pub struct Pacing {
    pacer: Arc<Pacer>,
    retries: RetryPolicy,
    /// The end of the user's `--timeout`.
    deadline: Option<Instant>,
}

impl Pacing {
    pub fn new(retries: RetryPolicy, deadline: Option<Instant>) -> Self {
        Pacing {
            pacer: Arc::new(Pacer::default()),
            retries,
            deadline,
        }
    }

    /// The end of the user's `--timeout`, for waits that are not AWS calls (log settling).
    pub fn deadline(&self) -> Option<Instant> {
        self.deadline
    }

    /// No attempt runs past this: the deadline and the grace to stop the task and report.
    fn hard_stop(&self) -> Option<Instant> {
        self.deadline.map(|d| d + REPORT_GRACE)
    }

    /// `inner`, pacing each request and bounding it by the deadline.
    pub fn http_client(&self, inner: SharedHttpClient) -> SharedHttpClient {
        SharedHttpClient::new(PacedClient {
            inner,
            pacing: self.clone(),
        })
    }
}

/// The hooks `CallLog` (the interceptor on every client) calls for each call and attempt.
impl Pacing {
    /// Before the first attempt: reads and changes retry differently.
    pub fn choose_retries(&self, cfg: &mut ConfigBag) {
        if let Some(metadata) = cfg.load::<Metadata>() {
            let in_poll = POLLING.try_with(|_| ()).is_ok();
            let retry = self.retries.for_operation(metadata.name(), in_poll).clone();
            cfg.interceptor_state().store_put(retry);
        }
    }

    /// Before each attempt is sent: names the bucket the HTTP client waits for, and where it
    /// notes when the request really left (after that wait).
    pub fn tag(&self, context: &mut BeforeTransmitInterceptorContextMut<'_>, cfg: &mut ConfigBag) {
        if let Some(key) = bucket(cfg) {
            let sent = SentAt::default();
            context.request_mut().add_extension(key);
            context.request_mut().add_extension(sent.clone());
            cfg.interceptor_state().store_put(sent);
        }
    }

    /// After each attempt: a throttle slows its bucket down, a success speeds it up again.
    pub fn learn(&self, context: &FinalizerInterceptorContextRef<'_>, cfg: &ConfigBag) {
        let (Some(key), Some(sent), Some(response)) =
            (bucket(cfg), cfg.load::<SentAt>(), context.response())
        else {
            return;
        };
        let sent = sent.get();
        let now = Instant::now();
        if response.status().is_success() {
            self.pacer.succeeded(&key, now);
        } else if response.status().as_u16() == 429
            || answer(response)
                .is_some_and(|(code, _)| kind_of(&code, None) == ErrorKind::Throttled)
        {
            self.pacer.throttled(&key, sent, now);
        }
    }
}

/// When an attempt left the HTTP client, after the pacer's wait: a throttle of a request sent
/// before the bucket's last cut says nothing new.
#[derive(Debug, Clone)]
struct SentAt(Arc<Mutex<Instant>>);

impl Default for SentAt {
    fn default() -> Self {
        SentAt(Arc::new(Mutex::new(Instant::now())))
    }
}

impl SentAt {
    fn get(&self) -> Instant {
        *self.0.lock().expect("sent-at lock")
    }

    fn now(&self) {
        *self.0.lock().expect("sent-at lock") = Instant::now();
    }
}

impl Storable for SentAt {
    type Storer = StoreReplace<Self>;
}

/// The bucket of the operation being called, in the client's region.
fn bucket(cfg: &ConfigBag) -> Option<BucketKey> {
    let (metadata, region) = (cfg.load::<Metadata>()?, cfg.load::<Region>()?);
    let service = metadata.service().to_ascii_lowercase();
    Some(BucketKey::new(region.as_ref(), &service, metadata.name()))
}

/// The error code and message of a JSON error answer (`__type` may carry a namespace).
fn answer(response: &HttpResponse) -> Option<(String, String)> {
    if response.status().is_success() {
        return None;
    }
    let body: serde_json::Value = serde_json::from_slice(response.body().bytes()?).ok()?;
    let code = body.get("__type").and_then(|t| t.as_str())?;
    let code = code.rsplit('#').next().unwrap_or(code).to_string();
    let message = ["message", "Message"]
        .iter()
        .find_map(|k| body.get(*k).and_then(|m| m.as_str()))
        .unwrap_or_default()
        .to_string();
    Some((code, message))
}

/// RegisterTaskDefinition's `ClientException` "Too many concurrent attempts to create a new
/// revision of the specified family": another pipeline registers in the same family right
/// now. Nothing was registered, so trying again registers exactly one revision.
#[derive(Debug)]
pub struct ConcurrentRevision;

impl ClassifyRetry for ConcurrentRevision {
    fn classify_retry(&self, ctx: &InterceptorContext) -> RetryAction {
        match ctx.response().and_then(answer) {
            Some((code, message))
                if code == "ClientException"
                    && message.contains("Too many concurrent attempts") =>
            {
                RetryAction::throttling_error()
            }
            _ => RetryAction::NoActionIndicated,
        }
    }

    fn name(&self) -> &'static str {
        "ecs-ship concurrent revision"
    }
}

#[derive(Debug)]
struct PacedClient {
    inner: SharedHttpClient,
    pacing: Pacing,
}

impl HttpClient for PacedClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(PacedConnector {
            inner: self.inner.http_connector(settings, components),
            pacing: self.pacing.clone(),
        })
    }
}

/// How often a request waiting for its bucket asks again: a cut or a recovery reaches every
/// waiting request within this long.
const ASK_AGAIN: Duration = Duration::from_millis(250);

#[derive(Debug)]
struct PacedConnector {
    inner: SharedHttpConnector,
    pacing: Pacing,
}

impl HttpConnector for PacedConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let key = request.extension::<BucketKey>().cloned();
        let pacer = self.pacing.pacer.clone();
        let deadline = self.pacing.hard_stop();
        let inner = self.inner.clone();
        let sent = request.extension::<SentAt>().cloned();
        HttpConnectorFuture::new(async move {
            let too_late = || ConnectorError::other(Box::new(DeadlineReached), None);
            while let Some(wait) = key.as_ref().and_then(|k| pacer.take(k, Instant::now())) {
                if deadline.is_some_and(|deadline| Instant::now() + wait >= deadline) {
                    return Err(too_late());
                }
                tokio::time::sleep(wait.min(ASK_AGAIN)).await;
            }
            if let Some(sent) = sent {
                sent.now();
            }
            let Some(deadline) = deadline else {
                return inner.call(request).await;
            };
            tokio::time::timeout_at(deadline.into(), inner.call(request))
                .await
                .map_err(|_| too_late())?
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn polls_are_left_to_the_next_tick_other_reads_and_changes_retried_longer() {
        let policy = RetryPolicy::from_env(|_| None);
        let attempts = |operation, in_poll| policy.for_operation(operation, in_poll).max_attempts();
        assert_eq!(attempts("DescribeServices", true), POLL.0);
        assert_eq!(attempts("ListTasks", false), READ.0);
        assert_eq!(attempts("UpdateService", true), CHANGE.0);
        assert_eq!(attempts("RegisterTaskDefinition", false), CHANGE.0);
        let changes = policy.for_operation("RunTask", false);
        assert_eq!(changes.initial_backoff(), INITIAL_BACKOFF);
        assert_eq!(changes.max_backoff(), CHANGE.1);
    }

    #[test]
    fn aws_max_attempts_wins() {
        let policy = RetryPolicy::from_env(|name| (name == "AWS_MAX_ATTEMPTS").then(|| "2".into()));
        assert_eq!(policy.for_operation("RunTask", false).max_attempts(), 2);
        assert_eq!(
            policy.for_operation("DescribeTasks", false).max_attempts(),
            2
        );
    }

    #[tokio::test]
    async fn only_reads_inside_a_wait_are_polls() {
        let in_poll = || POLLING.try_with(|_| ()).is_ok();
        assert!(!in_poll());
        assert!(polling(async { in_poll() }).await);
    }
}
