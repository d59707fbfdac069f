//! The Slack stand-in's side: what it received.

use serde_json::Value;
use wiremock::MockServer;

/// The JSON bodies Slack received, in order.
pub async fn posts(server: &MockServer) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).expect("Slack got JSON"))
        .collect()
}
