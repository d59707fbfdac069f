//! Fargate task sizes: the cpu/memory pairs Fargate offers, in one table.
//!
//! Source: "Task CPU and memory", Amazon ECS Developer Guide (`SOURCE`; also the
//! RegisterTaskDefinition `memory` reference). Windows needs at least 1 vCPU and has
//! no 8 / 16 vCPU sizes; Fargate runs ARM64 on Linux only, with the same sizes as X86_64.

use serde_json::Value;

/// Where the table comes from, for the fix people read.
const SOURCE: &str = "https://docs.aws.amazon.com/AmazonECS/latest/developerguide/fargate-tasks-services.html#fargate-tasks-size";

use super::check::{Check, Kind};
use super::Subject;

/// One CPU size: memory from `min` to `max` MiB in steps of `step`, and whether Windows has it.
struct Size {
    cpu: u32,
    min: u32,
    max: u32,
    step: u32,
    windows: bool,
}

const SIZES: [Size; 7] = [
    Size {
        cpu: 256,
        min: 512,
        max: 2048,
        step: 512,
        windows: false,
    },
    Size {
        cpu: 512,
        min: 1024,
        max: 4096,
        step: 1024,
        windows: false,
    },
    Size {
        cpu: 1024,
        min: 2048,
        max: 8192,
        step: 1024,
        windows: true,
    },
    Size {
        cpu: 2048,
        min: 4096,
        max: 16384,
        step: 1024,
        windows: true,
    },
    Size {
        cpu: 4096,
        min: 8192,
        max: 30720,
        step: 1024,
        windows: true,
    },
    Size {
        cpu: 8192,
        min: 16384,
        max: 61440,
        step: 4096,
        windows: false,
    },
    Size {
        cpu: 16384,
        min: 32768,
        max: 122880,
        step: 8192,
        windows: false,
    },
];

/// `.25 vCPU` only allows 512 MiB, 1 GB and 2 GB: 1536 is not a size although it is a step of
/// 512 between them.
fn memory_fits(size: &Size, memory: u32) -> bool {
    match size.cpu {
        256 => [512, 1024, 2048].contains(&memory),
        _ => memory >= size.min && memory <= size.max && (memory - size.min) % size.step == 0,
    }
}

/// Why `cpu` units and `memory` MiB are not a Fargate size on this platform; `None` when they are.
pub fn problem(cpu: u32, memory: u32, arm64: bool, windows: bool) -> Option<String> {
    if arm64 && windows {
        return Some("Fargate runs ARM64 tasks on Linux only".into());
    }
    let Some(size) = SIZES.iter().find(|s| s.cpu == cpu) else {
        let cpus: Vec<String> = SIZES.iter().map(|s| s.cpu.to_string()).collect();
        return Some(format!(
            "cpu {cpu} is not a Fargate size ({})",
            cpus.join(", ")
        ));
    };
    if windows && !size.windows {
        return Some(format!("Fargate has no cpu {cpu} size for Windows"));
    }
    (!memory_fits(size, memory)).then(|| {
        let offered = match size.cpu {
            256 => "512, 1024 or 2048 MiB".to_string(),
            _ => format!("{}–{} MiB in steps of {}", size.min, size.max, size.step),
        };
        format!("memory {memory} MiB does not go with cpu {cpu} (Fargate offers {offered})")
    })
}

/// A task-definition `cpu` (`"256"`, `"1 vCPU"`) in CPU units.
fn cpu_units(value: &Value) -> Option<u32> {
    let text = scalar(value)?;
    match text.to_ascii_lowercase().strip_suffix("vcpu") {
        Some(vcpus) => Some((vcpus.trim().parse::<f64>().ok()? * 1024.0).round() as u32),
        None => text.parse().ok(),
    }
}

/// A task-definition `memory` (`"512"`, `"1 GB"`, `"1GB"`) in MiB.
fn memory_mib(value: &Value) -> Option<u32> {
    let text = scalar(value)?;
    match text.to_ascii_lowercase().strip_suffix("gb") {
        Some(gb) => Some((gb.trim().parse::<f64>().ok()? * 1024.0).round() as u32),
        None => text.parse().ok(),
    }
}

fn scalar(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// On Fargate: the task, the service's launch type or its capacity providers say so.
fn on_fargate(subject: &Subject<'_>) -> bool {
    let compatible = subject
        .revision
        .json
        .get("requiresCompatibilities")
        .and_then(Value::as_array)
        .is_some_and(|list| list.iter().any(|c| c == "FARGATE"));
    let launched = subject.service.is_some_and(|s| {
        s.launch_type.as_deref() == Some("FARGATE")
            || s.capacity_provider_strategy
                .as_ref()
                .and_then(Value::as_array)
                .is_some_and(|strategy| {
                    strategy.iter().any(|item| {
                        item.get("capacityProvider")
                            .and_then(Value::as_str)
                            .is_some_and(|name| name.starts_with("FARGATE"))
                    })
                })
    });
    compatible || launched
}

pub fn checks(subject: &Subject<'_>) -> Vec<Check> {
    if !on_fargate(subject) {
        return vec![];
    }
    let json = &subject.revision.json;
    let platform = json.get("runtimePlatform");
    let field = |name: &str| platform.and_then(|p| p.get(name)).and_then(Value::as_str);
    let arm64 = field("cpuArchitecture") == Some("ARM64");
    let windows = field("operatingSystemFamily").is_some_and(|os| os.starts_with("WINDOWS"));
    let (cpu, memory) = (
        json.get("cpu").and_then(cpu_units),
        json.get("memory").and_then(memory_mib),
    );
    let what = "task";
    let check = match (cpu, memory) {
        (Some(cpu), Some(memory)) => match problem(cpu, memory, arm64, windows) {
            None => Check::passed(
                Kind::FargateSize,
                what,
                format!("cpu {cpu}, memory {memory} MiB"),
            ),
            Some(problem) => Check::failed(
                Kind::FargateSize,
                what,
                problem,
                format!("set a cpu/memory pair Fargate offers: {SOURCE}"),
            ),
        },
        _ => Check::failed(
            Kind::FargateSize,
            what,
            "Fargate needs task-level cpu and memory",
            "set the task definition's cpu and memory",
        ),
    };
    vec![check]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_documented_pairs_are_valid() {
        for (cpu, memory) in [
            (256, 512),
            (256, 2048),
            (512, 4096),
            (1024, 8192),
            (2048, 4096),
            (4096, 30720),
            (8192, 16384),
            (8192, 61440),
            (16384, 122880),
        ] {
            assert_eq!(problem(cpu, memory, false, false), None, "{cpu}/{memory}");
            assert_eq!(
                problem(cpu, memory, true, false),
                None,
                "ARM64 {cpu}/{memory}"
            );
        }
    }

    #[test]
    fn pairs_fargate_does_not_offer_are_named() {
        assert!(problem(256, 4096, false, false)
            .unwrap()
            .contains("memory 4096 MiB"));
        assert!(problem(256, 1536, false, false).is_some());
        assert!(
            problem(8192, 18432, false, false).is_some(),
            "8 vCPU steps are 4 GB"
        );
        assert!(problem(300, 1024, false, false)
            .unwrap()
            .contains("cpu 300"));
        assert!(problem(512, 1024, false, true).unwrap().contains("Windows"));
        assert!(problem(1024, 2048, true, true)
            .unwrap()
            .contains("Linux only"));
    }

    #[test]
    fn cpu_and_memory_read_as_units_vcpus_mib_and_gb() {
        assert_eq!(cpu_units(&json!("256")), Some(256));
        assert_eq!(cpu_units(&json!("1 vCPU")), Some(1024));
        assert_eq!(cpu_units(&json!(".25 vcpu")), Some(256));
        assert_eq!(memory_mib(&json!("1 GB")), Some(1024));
        assert_eq!(memory_mib(&json!("0.5GB")), Some(512));
        assert_eq!(memory_mib(&json!(2048)), Some(2048));
        assert_eq!(memory_mib(&json!("lots")), None);
    }
}
