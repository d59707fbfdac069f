//! Images: every ECR image exists, and its image index has the platform the task runs on.
//! Images outside ECR are "not checked": their registries are not AWS's to ask.

use serde_json::Value;

use super::answers::{unanswered, Answer, Answers, ImageKey, Needs};
use super::check::{Check, Kind};
use super::Subject;
use crate::aws::ImageManifest;
use crate::ecr::ImageRef;

/// An OCI / docker platform: `linux/arm64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)
    }
}

/// What `runtimePlatform` asks for: X86_64 unless ARM64, Linux unless a Windows family.
pub fn needed(revision: &Value) -> Platform {
    let platform = revision.get("runtimePlatform");
    let field = |name: &str| platform.and_then(|p| p.get(name)).and_then(Value::as_str);
    Platform {
        os: match field("operatingSystemFamily") {
            Some(os) if os.starts_with("WINDOWS") => "windows",
            _ => "linux",
        }
        .into(),
        architecture: match field("cpuArchitecture") {
            Some("ARM64") => "arm64",
            _ => "amd64",
        }
        .into(),
    }
}

/// The platforms an image index lists (attestation entries, `unknown/unknown`, left out);
/// `None` for a single-platform manifest, which does not name its platform (its config blob
/// does, which verify does not download).
pub fn platforms(manifest: &ImageManifest) -> Option<Vec<Platform>> {
    let body: Value = serde_json::from_str(&manifest.body).ok()?;
    let entries = body.get("manifests")?.as_array()?;
    Some(
        entries
            .iter()
            .filter_map(|entry| {
                let platform = entry.get("platform")?;
                Some(Platform {
                    os: platform.get("os")?.as_str()?.to_string(),
                    architecture: platform.get("architecture")?.as_str()?.to_string(),
                })
            })
            .filter(|p| p.os != "unknown")
            .collect(),
    )
}

/// (container, image, its ECR key when it lives in ECR).
fn wanted(subject: &Subject<'_>) -> Vec<(String, String, Option<ImageKey>)> {
    subject
        .revision
        .containers()
        .filter_map(|container| {
            let name = container.get("name")?.as_str()?.to_string();
            let image = container.get("image")?.as_str()?.to_string();
            let parsed = ImageRef::parse(&image);
            let key = parsed.ecr().map(|registry| ImageKey {
                account: registry.account,
                region: registry.region,
                repository: parsed.repository.clone(),
                reference: parsed
                    .digest
                    .clone()
                    .or(parsed.tag.clone())
                    .unwrap_or_else(|| "latest".into()),
            });
            Some((name, image, key))
        })
        .collect()
}

pub fn needs(subject: &Subject<'_>, needs: &mut Needs) {
    needs
        .images
        .extend(wanted(subject).into_iter().filter_map(|(_, _, key)| key));
}

pub fn checks(subject: &Subject<'_>, answers: &Answers) -> Vec<Check> {
    let platform = needed(&Value::Object(subject.revision.json.clone()));
    wanted(subject)
        .into_iter()
        .map(|(container, image, key)| {
            let what = format!("{container}: {image}");
            let Some(key) = key else {
                return Check::not_checked(Kind::Image, what, "not in ECR");
            };
            match answers.images.get(&key) {
                Some(Answer::Found(Some(manifest))) => judge_platform(what, manifest, &platform),
                Some(Answer::Found(None)) => Check::failed(
                    Kind::Image,
                    what,
                    format!("{} has no image {}", key.repository, key.reference),
                    "push the image, or fix the tag / digest",
                ),
                Some(Answer::Missing) => Check::failed(
                    Kind::Image,
                    what,
                    format!(
                        "repository {} does not exist in {} / {}",
                        key.repository, key.account, key.region
                    ),
                    "create the repository and push the image, or fix the image name",
                ),
                other => unanswered(Kind::Image, what, other),
            }
        })
        .collect()
}

fn judge_platform(what: String, manifest: &ImageManifest, needed: &Platform) -> Check {
    match platforms(manifest) {
        None => Check::passed(
            Kind::Image,
            what,
            format!("exists (a single-platform manifest: {needed} not checked)"),
        ),
        Some(found) if found.contains(needed) => {
            Check::passed(Kind::Image, what, format!("exists, has {needed}"))
        }
        Some(found) => {
            let listed: Vec<String> = found.iter().map(Platform::to_string).collect();
            Check::failed(
                Kind::Image,
                what,
                format!("has no {needed} (only {})", listed.join(", ")),
                format!(
                    "build for it (docker buildx build --platform {needed}) or set runtimePlatform to match"
                ),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn index(platforms: &[(&str, &str)]) -> ImageManifest {
        let manifests: Vec<Value> = platforms
            .iter()
            .map(|(os, arch)| {
                json!({"mediaType": "application/vnd.oci.image.manifest.v1+json",
                "digest": "sha256:aa", "size": 1, "platform": {"os": os, "architecture": arch}})
            })
            .collect();
        ImageManifest {
            media_type: Some("application/vnd.oci.image.index.v1+json".into()),
            body: json!({"schemaVersion": 2, "manifests": manifests}).to_string(),
        }
    }

    #[test]
    fn the_platform_needed_defaults_to_linux_amd64() {
        assert_eq!(needed(&json!({})).to_string(), "linux/amd64");
        assert_eq!(
            needed(&json!({"runtimePlatform": {"cpuArchitecture": "ARM64", "operatingSystemFamily": "LINUX"}})).to_string(),
            "linux/arm64"
        );
        assert_eq!(
            needed(
                &json!({"runtimePlatform": {"operatingSystemFamily": "WINDOWS_SERVER_2022_CORE"}})
            )
            .to_string(),
            "windows/amd64"
        );
    }

    #[test]
    fn an_index_lists_its_platforms_without_attestations() {
        let found = platforms(&index(&[("linux", "amd64"), ("unknown", "unknown")])).unwrap();
        assert_eq!(
            found,
            vec![Platform {
                os: "linux".into(),
                architecture: "amd64".into()
            }]
        );
        let single = ImageManifest {
            media_type: Some("application/vnd.docker.distribution.manifest.v2+json".into()),
            body: json!({"schemaVersion": 2, "config": {}, "layers": []}).to_string(),
        };
        assert_eq!(platforms(&single), None);
    }

    #[test]
    fn an_arm64_task_needs_an_arm64_entry() {
        let arm64 = Platform {
            os: "linux".into(),
            architecture: "arm64".into(),
        };
        let amd64_only = judge_platform("app".into(), &index(&[("linux", "amd64")]), &arm64);
        assert_eq!(amd64_only.state, super::super::check::State::Failed);
        assert!(
            amd64_only.detail.contains("only linux/amd64"),
            "{}",
            amd64_only.detail
        );
        let both = judge_platform(
            "app".into(),
            &index(&[("linux", "amd64"), ("linux", "arm64")]),
            &arm64,
        );
        assert_eq!(both.state, super::super::check::State::Passed);
    }
}
