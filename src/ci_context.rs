//! Who ran what, where: the CI job's project, branch, commit, actor and links, read from the
//! environment variables of CircleCI, GitHub Actions, GitLab CI, AWS CodeBuild and Buildkite,
//! with a generic fallback (Jenkins-style `GIT_*` / `BUILD_*`). Pure: the caller passes the lookup.

use crate::cli::NotifyStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    CircleCi,
    GitHubActions,
    GitLab,
    CodeBuild,
    Buildkite,
    Generic,
}

impl Provider {
    pub fn name(self) -> &'static str {
        match self {
            Provider::CircleCi => "CircleCI",
            Provider::GitHubActions => "GitHub Actions",
            Provider::GitLab => "GitLab CI",
            Provider::CodeBuild => "AWS CodeBuild",
            Provider::Buildkite => "Buildkite",
            Provider::Generic => "CI",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CiContext {
    pub provider: Provider,
    /// `owner/repo`, or the pipeline / project name.
    pub project: Option<String>,
    pub branch: Option<String>,
    pub tag: Option<String>,
    pub sha: Option<String>,
    pub commit_url: Option<String>,
    /// Who triggered the job.
    pub actor: Option<String>,
    pub job_name: Option<String>,
    pub job_url: Option<String>,
    pub build_number: Option<String>,
    /// The job's own status, where the CI system exposes it.
    pub job_status: Option<NotifyStatus>,
}

impl CiContext {
    pub fn from_env(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut context = if get("CIRCLECI").is_some() || get("CIRCLE_BUILD_URL").is_some() {
            circleci(&get)
        } else if get("GITHUB_ACTIONS").is_some() {
            github(&get)
        } else if get("GITLAB_CI").is_some() {
            gitlab(&get)
        } else if get("CODEBUILD_BUILD_ID").is_some() {
            codebuild(&get)
        } else if get("BUILDKITE").is_some() {
            buildkite(&get)
        } else {
            generic(&get)
        };
        if context.actor.is_none() {
            context.actor = get("USER").or_else(|| get("LOGNAME"));
        }
        context
    }

    fn empty(provider: Provider) -> Self {
        CiContext {
            provider,
            project: None,
            branch: None,
            tag: None,
            sha: None,
            commit_url: None,
            actor: None,
            job_name: None,
            job_url: None,
            build_number: None,
            job_status: None,
        }
    }

    /// The first 7 characters of the commit SHA.
    pub fn short_sha(&self) -> Option<&str> {
        self.sha.as_deref().map(|sha| sha.get(..7).unwrap_or(sha))
    }

    /// The branch, else the tag: what `--branch-pattern` matches.
    pub fn git_ref(&self) -> Option<&str> {
        self.branch.as_deref().or(self.tag.as_deref())
    }
}

fn circleci(get: &impl Fn(&str) -> Option<String>) -> CiContext {
    let repository = get("CIRCLE_REPOSITORY_URL");
    let sha = get("CIRCLE_SHA1");
    let project = match (
        get("CIRCLE_PROJECT_USERNAME"),
        get("CIRCLE_PROJECT_REPONAME"),
    ) {
        (Some(owner), Some(repo)) => Some(format!("{owner}/{repo}")),
        (None, Some(repo)) => Some(repo),
        _ => repository.as_deref().and_then(repo_path),
    };
    CiContext {
        project,
        branch: get("CIRCLE_BRANCH"),
        tag: get("CIRCLE_TAG"),
        commit_url: commit_url(repository.as_deref(), sha.as_deref()),
        sha,
        actor: get("CIRCLE_USERNAME"),
        job_name: get("CIRCLE_JOB"),
        job_url: get("CIRCLE_BUILD_URL"),
        build_number: get("CIRCLE_BUILD_NUM"),
        ..CiContext::empty(Provider::CircleCi)
    }
}

fn github(get: &impl Fn(&str) -> Option<String>) -> CiContext {
    let server = get("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into());
    let server = server.trim_end_matches('/');
    let repository = get("GITHUB_REPOSITORY");
    let sha = get("GITHUB_SHA");
    let is_tag = get("GITHUB_REF_TYPE").as_deref() == Some("tag")
        || get("GITHUB_REF").is_some_and(|r| r.starts_with("refs/tags/"));
    let ref_name = get("GITHUB_REF_NAME").or_else(|| {
        get("GITHUB_REF").map(|r| {
            r.trim_start_matches("refs/heads/")
                .trim_start_matches("refs/tags/")
                .to_string()
        })
    });
    // On pull requests GITHUB_REF_NAME is `123/merge`; the branch is GITHUB_HEAD_REF.
    let branch = if is_tag {
        None
    } else {
        get("GITHUB_HEAD_REF").or_else(|| ref_name.clone())
    };
    let job_url = match (&repository, get("GITHUB_RUN_ID")) {
        (Some(repo), Some(run)) => Some(match get("GITHUB_RUN_ATTEMPT").filter(|a| a != "1") {
            Some(attempt) => format!("{server}/{repo}/actions/runs/{run}/attempts/{attempt}"),
            None => format!("{server}/{repo}/actions/runs/{run}"),
        }),
        _ => None,
    };
    CiContext {
        commit_url: match (&repository, &sha) {
            (Some(repo), Some(sha)) => Some(format!("{server}/{repo}/commit/{sha}")),
            _ => None,
        },
        project: repository,
        branch,
        tag: if is_tag { ref_name } else { None },
        sha,
        actor: get("GITHUB_TRIGGERING_ACTOR").or_else(|| get("GITHUB_ACTOR")),
        job_name: match (get("GITHUB_WORKFLOW"), get("GITHUB_JOB")) {
            (Some(workflow), Some(job)) => Some(format!("{workflow} / {job}")),
            (workflow, job) => workflow.or(job),
        },
        job_url,
        build_number: get("GITHUB_RUN_NUMBER"),
        ..CiContext::empty(Provider::GitHubActions)
    }
}

fn gitlab(get: &impl Fn(&str) -> Option<String>) -> CiContext {
    let sha = get("CI_COMMIT_SHA");
    let project_url = get("CI_PROJECT_URL");
    let tag = get("CI_COMMIT_TAG");
    CiContext {
        project: get("CI_PROJECT_PATH").or_else(|| get("CI_PROJECT_NAME")),
        branch: get("CI_COMMIT_BRANCH")
            .or_else(|| get("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME"))
            .or_else(|| tag.is_none().then(|| get("CI_COMMIT_REF_NAME")).flatten()),
        tag,
        commit_url: match (&project_url, &sha) {
            (Some(url), Some(sha)) => Some(format!("{}/-/commit/{sha}", url.trim_end_matches('/'))),
            _ => None,
        },
        sha,
        actor: get("GITLAB_USER_LOGIN").or_else(|| get("GITLAB_USER_NAME")),
        job_name: get("CI_JOB_NAME"),
        job_url: get("CI_JOB_URL").or_else(|| get("CI_PIPELINE_URL")),
        build_number: get("CI_PIPELINE_IID").or_else(|| get("CI_JOB_ID")),
        job_status: match get("CI_JOB_STATUS").as_deref() {
            Some("success") => Some(NotifyStatus::Pass),
            Some("failed") => Some(NotifyStatus::Fail),
            Some("canceled") => Some(NotifyStatus::Cancelled),
            _ => None,
        },
        ..CiContext::empty(Provider::GitLab)
    }
}

fn codebuild(get: &impl Fn(&str) -> Option<String>) -> CiContext {
    let build_id = get("CODEBUILD_BUILD_ID").unwrap_or_default();
    let project = build_id
        .split_once(':')
        .map_or(build_id.as_str(), |(project, _)| project)
        .to_string();
    let sha = get("CODEBUILD_RESOLVED_SOURCE_VERSION")
        .or_else(|| get("CODEBUILD_SOURCE_VERSION").filter(|v| looks_like_sha(v)));
    let trigger = get("CODEBUILD_WEBHOOK_TRIGGER");
    let branch = get("CODEBUILD_WEBHOOK_HEAD_REF")
        .and_then(|r| r.strip_prefix("refs/heads/").map(str::to_string))
        .or_else(|| {
            trigger
                .as_deref()
                .and_then(|t| t.strip_prefix("branch/"))
                .map(str::to_string)
        })
        .or_else(|| {
            get("CODEBUILD_SOURCE_VERSION")
                .filter(|v| !looks_like_sha(v) && !v.starts_with("arn:") && !v.starts_with("pr/"))
                .map(|v| v.trim_start_matches("refs/heads/").to_string())
        });
    let tag = trigger
        .as_deref()
        .and_then(|t| t.strip_prefix("tag/"))
        .map(str::to_string);
    // arn:aws:codebuild:REGION:ACCOUNT:build/PROJECT:ID
    let job_url = get("CODEBUILD_PUBLIC_BUILD_URL").or_else(|| {
        let arn = get("CODEBUILD_BUILD_ARN")?;
        let mut parts = arn.splitn(6, ':');
        let (_, _, _, region, account) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        Some(format!(
            "https://{region}.console.aws.amazon.com/codesuite/codebuild/{account}/projects/{project}/build/{}/?region={region}",
            build_id.replace(':', "%3A")
        ))
    });
    let repository = get("CODEBUILD_SOURCE_REPO_URL");
    CiContext {
        project: repository
            .as_deref()
            .and_then(repo_path)
            .or_else(|| (!project.is_empty()).then(|| project.clone())),
        branch,
        tag,
        commit_url: commit_url(repository.as_deref(), sha.as_deref()),
        sha,
        actor: get("CODEBUILD_INITIATOR"),
        job_name: (!project.is_empty()).then_some(project),
        job_url,
        build_number: get("CODEBUILD_BUILD_NUMBER"),
        job_status: match get("CODEBUILD_BUILD_SUCCEEDING").as_deref() {
            Some("0") => Some(NotifyStatus::Fail),
            _ => None,
        },
        ..CiContext::empty(Provider::CodeBuild)
    }
}

fn buildkite(get: &impl Fn(&str) -> Option<String>) -> CiContext {
    let repository = get("BUILDKITE_REPO");
    let sha = get("BUILDKITE_COMMIT").filter(|c| c != "HEAD");
    let build_url = get("BUILDKITE_BUILD_URL");
    CiContext {
        project: repository
            .as_deref()
            .and_then(repo_path)
            .or_else(|| get("BUILDKITE_PIPELINE_SLUG")),
        branch: get("BUILDKITE_BRANCH"),
        tag: get("BUILDKITE_TAG"),
        commit_url: commit_url(repository.as_deref(), sha.as_deref()),
        sha,
        actor: get("BUILDKITE_BUILD_CREATOR").or_else(|| get("BUILDKITE_BUILD_AUTHOR")),
        job_name: get("BUILDKITE_LABEL").or_else(|| get("BUILDKITE_PIPELINE_SLUG")),
        job_url: match (build_url, get("BUILDKITE_JOB_ID")) {
            (Some(url), Some(job)) => Some(format!("{url}#{job}")),
            (url, _) => url,
        },
        build_number: get("BUILDKITE_BUILD_NUMBER"),
        job_status: match get("BUILDKITE_COMMAND_EXIT_STATUS").as_deref() {
            Some("0") => Some(NotifyStatus::Pass),
            Some(_) => Some(NotifyStatus::Fail),
            None => None,
        },
        ..CiContext::empty(Provider::Buildkite)
    }
}

/// Jenkins and anything else that exports the same names.
fn generic(get: &impl Fn(&str) -> Option<String>) -> CiContext {
    let repository = get("GIT_URL");
    let sha = get("GIT_COMMIT");
    CiContext {
        project: repository
            .as_deref()
            .and_then(repo_path)
            .or_else(|| get("JOB_NAME")),
        branch: get("BRANCH_NAME")
            .or_else(|| get("GIT_BRANCH").map(|b| b.trim_start_matches("origin/").to_string())),
        tag: get("TAG_NAME"),
        commit_url: commit_url(repository.as_deref(), sha.as_deref()),
        sha,
        actor: get("BUILD_USER_ID").or_else(|| get("CHANGE_AUTHOR")),
        job_name: get("JOB_NAME"),
        job_url: get("BUILD_URL"),
        build_number: get("BUILD_NUMBER"),
        ..CiContext::empty(Provider::Generic)
    }
}

fn looks_like_sha(text: &str) -> bool {
    (7..=40).contains(&text.len()) && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// `https://host/owner/repo` from `git@host:owner/repo.git`, `https://host/owner/repo.git`,
/// `ssh://git@host/owner/repo`.
fn web_url(repository: &str) -> Option<String> {
    let repository = repository
        .trim()
        .trim_end_matches('/')
        .trim_end_matches(".git");
    let (host, path) = if let Some(rest) = repository
        .strip_prefix("https://")
        .or_else(|| repository.strip_prefix("http://"))
        .or_else(|| repository.strip_prefix("ssh://"))
        .or_else(|| repository.strip_prefix("git://"))
    {
        rest.split_once('/')?
    } else {
        repository.split_once(':')?
    };
    // Drop a `user@` or `user:password@` and any port.
    let host = host.rsplit('@').next()?;
    let host = host.split(':').next()?;
    if host.is_empty() || path.is_empty() {
        return None;
    }
    Some(format!("https://{host}/{path}"))
}

fn repo_path(repository: &str) -> Option<String> {
    web_url(repository).and_then(|url| {
        url.strip_prefix("https://")?
            .split_once('/')
            .map(|(_, path)| path.to_string())
    })
}

/// A link to the commit on GitHub, GitLab or Bitbucket; other hosts get none.
fn commit_url(repository: Option<&str>, sha: Option<&str>) -> Option<String> {
    let (web, sha) = (web_url(repository?)?, sha?);
    let host = web.strip_prefix("https://")?.split('/').next()?;
    if host.contains("bitbucket") {
        Some(format!("{web}/commits/{sha}"))
    } else if host.contains("gitlab") {
        Some(format!("{web}/-/commit/{sha}"))
    } else if host.contains("github") {
        Some(format!("{web}/commit/{sha}"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(vars: &[(&str, &str)]) -> CiContext {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        CiContext::from_env(move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    const SHA: &str = "0123456789abcdef0123456789abcdef01234567";

    #[test]
    fn circleci() {
        let ci = context(&[
            ("CIRCLECI", "true"),
            ("CIRCLE_PROJECT_USERNAME", "hoge-inc"),
            ("CIRCLE_PROJECT_REPONAME", "hoge"),
            ("CIRCLE_BRANCH", "staging"),
            ("CIRCLE_SHA1", SHA),
            ("CIRCLE_REPOSITORY_URL", "git@github.com:hoge-inc/hoge.git"),
            ("CIRCLE_USERNAME", "nari"),
            ("CIRCLE_JOB", "service-update-and-notify"),
            (
                "CIRCLE_BUILD_URL",
                "https://circleci.com/gh/hoge-inc/hoge/42",
            ),
            ("CIRCLE_BUILD_NUM", "42"),
            ("USER", "circleci"),
        ]);
        assert_eq!(
            ci,
            CiContext {
                provider: Provider::CircleCi,
                project: Some("hoge-inc/hoge".into()),
                branch: Some("staging".into()),
                tag: None,
                sha: Some(SHA.into()),
                commit_url: Some(format!("https://github.com/hoge-inc/hoge/commit/{SHA}")),
                actor: Some("nari".into()),
                job_name: Some("service-update-and-notify".into()),
                job_url: Some("https://circleci.com/gh/hoge-inc/hoge/42".into()),
                build_number: Some("42".into()),
                job_status: None,
            }
        );
        assert_eq!(ci.short_sha(), Some("0123456"));
    }

    #[test]
    fn circleci_bitbucket_commit_link_and_tag_build() {
        let ci = context(&[
            ("CIRCLECI", "true"),
            ("CIRCLE_TAG", "v1.2.0"),
            ("CIRCLE_SHA1", SHA),
            ("CIRCLE_REPOSITORY_URL", "https://bitbucket.org/team/app"),
        ]);
        assert_eq!(ci.project.as_deref(), Some("team/app"));
        assert_eq!(ci.branch, None);
        assert_eq!(ci.git_ref(), Some("v1.2.0"));
        assert_eq!(
            ci.commit_url,
            Some(format!("https://bitbucket.org/team/app/commits/{SHA}"))
        );
    }

    #[test]
    fn github_actions_push() {
        let ci = context(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_SERVER_URL", "https://github.com"),
            ("GITHUB_REPOSITORY", "hoge-inc/hoge"),
            ("GITHUB_REF", "refs/heads/production"),
            ("GITHUB_REF_NAME", "production"),
            ("GITHUB_REF_TYPE", "branch"),
            ("GITHUB_SHA", SHA),
            ("GITHUB_ACTOR", "octocat"),
            ("GITHUB_RUN_ID", "987"),
            ("GITHUB_RUN_NUMBER", "12"),
            ("GITHUB_RUN_ATTEMPT", "1"),
            ("GITHUB_WORKFLOW", "deploy"),
            ("GITHUB_JOB", "prod"),
        ]);
        assert_eq!(ci.provider, Provider::GitHubActions);
        assert_eq!(ci.project.as_deref(), Some("hoge-inc/hoge"));
        assert_eq!(ci.branch.as_deref(), Some("production"));
        assert_eq!(
            ci.commit_url,
            Some(format!("https://github.com/hoge-inc/hoge/commit/{SHA}"))
        );
        assert_eq!(ci.actor.as_deref(), Some("octocat"));
        assert_eq!(
            ci.job_url.as_deref(),
            Some("https://github.com/hoge-inc/hoge/actions/runs/987")
        );
        assert_eq!(ci.job_name.as_deref(), Some("deploy / prod"));
        assert_eq!(ci.build_number.as_deref(), Some("12"));
    }

    #[test]
    fn github_actions_pull_request_retry_and_tag() {
        let pr = context(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REPOSITORY", "o/r"),
            ("GITHUB_REF_NAME", "7/merge"),
            ("GITHUB_HEAD_REF", "feature/x"),
            ("GITHUB_RUN_ID", "5"),
            ("GITHUB_RUN_ATTEMPT", "2"),
        ]);
        assert_eq!(pr.branch.as_deref(), Some("feature/x"));
        assert_eq!(
            pr.job_url.as_deref(),
            Some("https://github.com/o/r/actions/runs/5/attempts/2")
        );
        let tag = context(&[
            ("GITHUB_ACTIONS", "true"),
            ("GITHUB_REF", "refs/tags/v2"),
            ("GITHUB_REF_NAME", "v2"),
            ("GITHUB_REF_TYPE", "tag"),
        ]);
        assert_eq!((tag.branch, tag.tag.as_deref()), (None, Some("v2")));
    }

    #[test]
    fn gitlab_ci() {
        let ci = context(&[
            ("GITLAB_CI", "true"),
            ("CI", "true"),
            ("CI_PROJECT_PATH", "group/hoge"),
            ("CI_PROJECT_URL", "https://gitlab.hoge.co.jp/group/hoge"),
            ("CI_COMMIT_BRANCH", "stage/xxxx"),
            ("CI_COMMIT_REF_NAME", "stage/xxxx"),
            ("CI_COMMIT_SHA", SHA),
            ("GITLAB_USER_LOGIN", "nari"),
            ("CI_JOB_NAME", "migrate"),
            (
                "CI_JOB_URL",
                "https://gitlab.hoge.co.jp/group/hoge/-/jobs/77",
            ),
            ("CI_PIPELINE_IID", "31"),
            ("CI_JOB_STATUS", "failed"),
        ]);
        assert_eq!(ci.provider, Provider::GitLab);
        assert_eq!(ci.project.as_deref(), Some("group/hoge"));
        assert_eq!(ci.branch.as_deref(), Some("stage/xxxx"));
        assert_eq!(
            ci.commit_url,
            Some(format!(
                "https://gitlab.hoge.co.jp/group/hoge/-/commit/{SHA}"
            ))
        );
        assert_eq!(ci.actor.as_deref(), Some("nari"));
        assert_eq!(
            ci.job_url.as_deref(),
            Some("https://gitlab.hoge.co.jp/group/hoge/-/jobs/77")
        );
        assert_eq!(ci.build_number.as_deref(), Some("31"));
        assert_eq!(ci.job_status, Some(NotifyStatus::Fail));
    }

    #[test]
    fn codebuild_webhook_build() {
        let ci = context(&[
            ("CODEBUILD_BUILD_ID", "hoge-build:2c5a0a1e-1111-2222-3333-444455556666"),
            (
                "CODEBUILD_BUILD_ARN",
                "arn:aws:codebuild:ap-northeast-1:123456789012:build/hoge-build:2c5a0a1e-1111-2222-3333-444455556666",
            ),
            ("CODEBUILD_RESOLVED_SOURCE_VERSION", SHA),
            ("CODEBUILD_SOURCE_REPO_URL", "https://github.com/hoge-inc/hoge.git"),
            ("CODEBUILD_WEBHOOK_HEAD_REF", "refs/heads/prod/release-1"),
            ("CODEBUILD_WEBHOOK_TRIGGER", "branch/prod/release-1"),
            ("CODEBUILD_INITIATOR", "GitHub-Hookshot/abc"),
            ("CODEBUILD_BUILD_NUMBER", "8"),
            ("CODEBUILD_BUILD_SUCCEEDING", "0"),
        ]);
        assert_eq!(ci.provider, Provider::CodeBuild);
        assert_eq!(ci.project.as_deref(), Some("hoge-inc/hoge"));
        assert_eq!(ci.branch.as_deref(), Some("prod/release-1"));
        assert_eq!(
            ci.commit_url,
            Some(format!("https://github.com/hoge-inc/hoge/commit/{SHA}"))
        );
        assert_eq!(ci.actor.as_deref(), Some("GitHub-Hookshot/abc"));
        assert_eq!(
            ci.job_url.as_deref(),
            Some("https://ap-northeast-1.console.aws.amazon.com/codesuite/codebuild/123456789012/projects/hoge-build/build/hoge-build%3A2c5a0a1e-1111-2222-3333-444455556666/?region=ap-northeast-1")
        );
        assert_eq!(ci.build_number.as_deref(), Some("8"));
        assert_eq!(ci.job_status, Some(NotifyStatus::Fail));
    }

    #[test]
    fn codebuild_from_codepipeline_has_no_branch() {
        let ci = context(&[
            ("CODEBUILD_BUILD_ID", "p:1"),
            ("CODEBUILD_SOURCE_VERSION", "arn:aws:s3:::bucket/key"),
            ("CODEBUILD_INITIATOR", "codepipeline/hoge"),
        ]);
        assert_eq!(ci.project.as_deref(), Some("p"));
        assert_eq!((ci.branch, ci.sha, ci.commit_url), (None, None, None));
    }

    #[test]
    fn buildkite() {
        let ci = context(&[
            ("BUILDKITE", "true"),
            ("BUILDKITE_REPO", "git@github.com:hoge-inc/hoge.git"),
            ("BUILDKITE_PIPELINE_SLUG", "hoge-deploy"),
            ("BUILDKITE_BRANCH", "main"),
            ("BUILDKITE_COMMIT", SHA),
            ("BUILDKITE_BUILD_CREATOR", "Nari"),
            (
                "BUILDKITE_BUILD_URL",
                "https://buildkite.com/hoge/hoge-deploy/builds/3",
            ),
            ("BUILDKITE_JOB_ID", "j-1"),
            ("BUILDKITE_BUILD_NUMBER", "3"),
            ("BUILDKITE_LABEL", ":rocket: deploy"),
        ]);
        assert_eq!(ci.provider, Provider::Buildkite);
        assert_eq!(ci.project.as_deref(), Some("hoge-inc/hoge"));
        assert_eq!(ci.branch.as_deref(), Some("main"));
        assert_eq!(
            ci.commit_url,
            Some(format!("https://github.com/hoge-inc/hoge/commit/{SHA}"))
        );
        assert_eq!(ci.actor.as_deref(), Some("Nari"));
        assert_eq!(
            ci.job_url.as_deref(),
            Some("https://buildkite.com/hoge/hoge-deploy/builds/3#j-1")
        );
        assert_eq!(ci.job_status, None);
    }

    #[test]
    fn generic_fallback_reads_jenkins_names_and_the_user() {
        let ci = context(&[
            ("GIT_URL", "https://github.com/o/r.git"),
            ("GIT_BRANCH", "origin/main"),
            ("GIT_COMMIT", SHA),
            ("BUILD_URL", "https://jenkins.example/job/deploy/9/"),
            ("BUILD_NUMBER", "9"),
            ("JOB_NAME", "deploy"),
            ("USER", "jenkins"),
        ]);
        assert_eq!(ci.provider, Provider::Generic);
        assert_eq!(ci.project.as_deref(), Some("o/r"));
        assert_eq!(ci.branch.as_deref(), Some("main"));
        assert_eq!(
            ci.commit_url,
            Some(format!("https://github.com/o/r/commit/{SHA}"))
        );
        assert_eq!(ci.actor.as_deref(), Some("jenkins"));
        assert_eq!(
            ci.job_url.as_deref(),
            Some("https://jenkins.example/job/deploy/9/")
        );

        let nothing = context(&[]);
        assert_eq!(nothing, CiContext::empty(Provider::Generic));
    }

    #[test]
    fn repository_urls_become_web_links() {
        assert_eq!(
            web_url("ssh://git@github.com:22/o/r.git").as_deref(),
            Some("https://github.com/o/r")
        );
        assert_eq!(
            web_url("https://user:pw@gitlab.com/g/s/r.git").as_deref(),
            Some("https://gitlab.com/g/s/r")
        );
        assert_eq!(
            commit_url(Some("https://git.example/o/r"), Some("abc")),
            None
        );
        assert_eq!(web_url("not a url"), None);
    }
}
