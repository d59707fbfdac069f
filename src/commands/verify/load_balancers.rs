//! Load balancers and Service Connect: what the service routes to must still exist in the new
//! revision — each `loadBalancers[]` container name and port, each Service Connect port name.

use serde_json::Value;

use super::check::{Check, Kind};
use super::Subject;
use crate::task_definition::TaskDefinition;

/// Whether `container` of the revision maps `port`.
fn maps_port(revision: &TaskDefinition, container: &str, port: i32) -> Option<bool> {
    let found = revision
        .containers()
        .find(|c| c.get("name").and_then(Value::as_str) == Some(container))?;
    Some(
        port_mappings(found)
            .any(|m| m.get("containerPort").and_then(Value::as_i64) == Some(port.into())),
    )
}

fn port_mappings(container: &serde_json::Map<String, Value>) -> impl Iterator<Item = &Value> {
    container
        .get("portMappings")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
}

/// The `portMappings[].name`s of every container.
fn port_names(revision: &TaskDefinition) -> Vec<&str> {
    revision
        .containers()
        .flat_map(port_mappings)
        .filter_map(|m| m.get("name")?.as_str())
        .collect()
}

pub fn checks(subject: &Subject<'_>) -> Vec<Check> {
    let Some(service) = subject.service else {
        return vec![];
    };
    let revision = subject.revision;
    let mut checks = vec![];
    // A CODE_DEPLOY service routes through its task set's load balancers.
    let balanced = match &service.primary_task_set {
        Some(set) if service.load_balancers.is_empty() => &set.load_balancers,
        _ => &service.load_balancers,
    };
    for (container, port) in balanced {
        let what = format!("{container}:{port}");
        checks.push(match maps_port(revision, container, *port) {
            Some(true) => Check::passed(Kind::LoadBalancer, what, "container and port exist"),
            Some(false) => Check::failed(
                Kind::LoadBalancer,
                what,
                format!("container {container} has no portMapping for {port}"),
                format!("add containerPort {port} to {container}, or change the service's load balancer"),
            ),
            None => Check::failed(
                Kind::LoadBalancer,
                what,
                format!("the new revision has no container {container}"),
                "keep the container name the load balancer targets, or change the service's load balancer",
            ),
        });
    }
    let names = port_names(revision);
    for port_name in &service.service_connect_ports {
        checks.push(match names.contains(&port_name.as_str()) {
            true => Check::passed(Kind::ServiceConnect, port_name, "port name exists"),
            false => Check::failed(
                Kind::ServiceConnect,
                port_name,
                format!("no portMappings[].name is {port_name}"),
                "name a port mapping so, or change the service's Service Connect configuration",
            ),
        });
    }
    checks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::verify::check::State;
    use crate::ecs::ServiceDescription;
    use serde_json::json;

    fn revision(containers: Value) -> TaskDefinition {
        let Value::Object(json) = json!({"family": "web", "containerDefinitions": containers})
        else {
            unreachable!()
        };
        TaskDefinition { json, tags: vec![] }
    }

    fn subject<'a>(revision: &'a TaskDefinition, service: &'a ServiceDescription) -> Subject<'a> {
        Subject {
            label: "web".into(),
            task_definition: "web (new revision)".into(),
            revision,
            service: Some(service),
        }
    }

    #[test]
    fn a_renamed_container_or_dropped_port_fails_and_a_kept_one_passes() {
        let service = ServiceDescription {
            load_balancers: vec![("web".into(), 8080)],
            service_connect_ports: vec!["http".into()],
            ..ServiceDescription::default()
        };
        let kept = revision(
            json!([{"name": "web", "portMappings": [{"containerPort": 8080, "name": "http"}]}]),
        );
        let checked = subject(&kept, &service);
        let states: Vec<State> = checks(&checked).iter().map(|c| c.state).collect();
        assert_eq!(states, vec![State::Passed, State::Passed]);

        let renamed = revision(json!([{"name": "app", "portMappings": [{"containerPort": 8080}]}]));
        let checked = subject(&renamed, &service);
        let found = checks(&checked);
        assert_eq!(found[0].state, State::Failed);
        assert!(
            found[0].detail.contains("no container web"),
            "{}",
            found[0].detail
        );
        assert_eq!(found[1].state, State::Failed);

        let other_port =
            revision(json!([{"name": "web", "portMappings": [{"containerPort": 80}]}]));
        let checked = subject(&other_port, &service);
        assert!(checks(&checked)[0]
            .detail
            .contains("no portMapping for 8080"));
    }
}
