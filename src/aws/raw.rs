//! Interceptors in the SDK's pipeline: count and log every attempt, keep a response body as it
//! came, and send a request body as ecs-ship holds it (task definitions, RunTask requests, rule
//! targets, schedules).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextMut,
    BeforeTransmitInterceptorContextRef, FinalizerInterceptorContextRef,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, Metadata};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};
use bytes::Bytes;

use super::pacing::Pacing;
use crate::render::progress::Progress;

/// The interceptor on every client: counts every attempt (so benchmarks and tests see calls
/// per poll), logs it at `-v`, and runs the pacing hooks.
#[derive(Clone)]
pub struct CallLog {
    calls: Arc<AtomicUsize>,
    progress: Progress,
    pacing: Pacing,
}

impl std::fmt::Debug for CallLog {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CallLog")
            .field("calls", &self.calls)
            .finish()
    }
}

#[derive(Debug, Clone)]
struct Sent(Instant);

impl Storable for Sent {
    type Storer = StoreReplace<Self>;
}

impl CallLog {
    pub fn new(calls: Arc<AtomicUsize>, progress: Progress, pacing: Pacing) -> Self {
        CallLog {
            calls,
            progress,
            pacing,
        }
    }
}

impl Intercept for CallLog {
    fn name(&self) -> &'static str {
        "ecs-ship call log"
    }

    fn modify_before_retry_loop(
        &self,
        _: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.pacing.choose_retries(cfg);
        Ok(())
    }

    fn modify_before_transmit(
        &self,
        context: &mut BeforeTransmitInterceptorContextMut<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.pacing.tag(context, cfg);
        Ok(())
    }

    fn read_before_transmit(
        &self,
        _: &BeforeTransmitInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.calls.fetch_add(1, Ordering::Relaxed);
        cfg.interceptor_state().store_put(Sent(Instant::now()));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        context: &FinalizerInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        self.pacing.learn(context, cfg);
        let Some(metadata) = cfg.load::<Metadata>() else {
            return Ok(());
        };
        let took = cfg
            .load::<Sent>()
            .map(|sent| format!(" ({}ms)", sent.0.elapsed().as_millis()))
            .unwrap_or_default();
        let answer = match context.response() {
            Some(response) => response.status().as_u16().to_string(),
            None => "no answer".to_string(),
        };
        self.progress.debug(format_args!(
            "{} {} → {answer}{took}",
            metadata.service(),
            metadata.name()
        ));
        Ok(())
    }
}

/// Keeps the body of the last successful answer, for calls whose answer is kept as JSON.
#[derive(Debug, Clone, Default)]
pub struct RawResponse(Arc<Mutex<Option<Bytes>>>);

impl RawResponse {
    pub fn take(&self) -> Option<Bytes> {
        self.0.lock().expect("raw response lock").take()
    }
}

impl Intercept for RawResponse {
    fn name(&self) -> &'static str {
        "ecs-ship raw response"
    }

    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _: &RuntimeComponents,
        _: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(body) = context.response().body().bytes() {
            *self.0.lock().expect("raw response lock") = Some(Bytes::copy_from_slice(body));
        }
        Ok(())
    }
}

/// A request mutation that replaces the body the SDK serialized with `body`, before signing,
/// on every attempt.
pub fn replace_body(body: Bytes) -> impl Fn(&mut HttpRequest) + Send + Sync + 'static {
    move |request: &mut HttpRequest| {
        request
            .headers_mut()
            .insert("content-length", body.len().to_string());
        *request.body_mut() = SdkBody::from(body.clone());
    }
}
