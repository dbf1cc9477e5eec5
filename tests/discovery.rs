//! Discovery mode on the two largest documents: a tools/list that fits a small budget, search
//! that finds the right operation for tasks phrased as people phrase them, and calls through
//! `call_operation` that send exactly what a direct call sends.

use crate::util::{call_tool as call, load_spec, specs};
use mcpgen_runtime::credentials::{Credentials, CredentialsConfig};
use mcpgen_runtime::discovery::{self, ToolMode, estimate_tokens};
use mcpgen_runtime::model::Api;
use mcpgen_runtime::request::Target;
use mcpgen_runtime::server::{McpServer, ServeOptions};
use serde_json::{Value, json};

fn load(relative: &str) -> Api {
    load_spec(&specs().join(relative))
        .api
        .expect("the document loads")
}

fn server(api: Api, mode: ToolMode) -> McpServer {
    McpServer::new(
        api,
        ServeOptions {
            tool_mode: mode,
            ..ServeOptions::default()
        },
    )
}

/// Whether `name` is the operation `wanted` (or a numbered duplicate of it, `wanted_2`).
fn is(name: &str, wanted: &str) -> bool {
    name.strip_prefix(wanted).is_some_and(|rest| {
        rest.is_empty()
            || rest
                .strip_prefix('_')
                .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
    })
}

/// Runs every task; returns the tasks whose operation is not in the top five, with what
/// came back instead.
fn misses(server: &McpServer, tasks: &[(&str, &[&str])]) -> Vec<String> {
    let mut misses = Vec::new();
    for (task, wanted) in tasks {
        let hits = server.search(task, 5, |_| true);
        if !hits.iter().any(|h| wanted.iter().any(|w| is(&h.name, w))) {
            let got: Vec<&str> = hits.iter().map(|h| h.name.as_str()).collect();
            misses.push(format!("{task:?}: wanted {wanted:?}, got {got:?}"));
        }
    }
    misses
}

const GITHUB_TASKS: &[(&str, &[&str])] = &[
    (
        "list the open pull requests of a repository",
        &["pulls_list"],
    ),
    ("create an issue in a repository", &["issues_create"]),
    ("add a comment to an issue", &["issues_create-comment"]),
    ("merge a pull request", &["pulls_merge"]),
    (
        "get the contents of a file in a repository",
        &["repos_get-content"],
    ),
    (
        "list the branches of a repository",
        &["repos_list-branches"],
    ),
    (
        "star a repository for the authenticated user",
        &["activity_star-repo-for-authenticated-user"],
    ),
    (
        "list the workflow runs of a repository",
        &[
            "actions_list-workflow-runs-for-repo",
            "actions_list-workflow-runs",
        ],
    ),
    ("create a release", &["repos_create-release"]),
    ("search code", &["search_code"]),
    ("get the authenticated user", &["users_get-authenticated"]),
    (
        "list the members of an organization",
        &["orgs_list-members"],
    ),
    ("fork a repository", &["repos_create-fork"]),
    (
        "request reviewers for a pull request",
        &["pulls_request-reviewers"],
    ),
    ("list the commits of a repository", &["repos_list-commits"]),
    (
        "create a webhook for a repository",
        &["repos_create-webhook"],
    ),
    ("add labels to an issue", &["issues_add-labels"]),
    ("list the gists of the authenticated user", &["gists_list"]),
    (
        "list the languages of a repository",
        &["repos_list-languages"],
    ),
    ("delete a repository", &["repos_delete"]),
];

const KUBERNETES_TASKS: &[(&str, &[&str])] = &[
    (
        "scale a deployment",
        &[
            "patchNamespacedDeploymentScale",
            "replaceNamespacedDeploymentScale",
        ],
    ),
    ("list the pods in a namespace", &["listNamespacedPod"]),
    ("get the logs of a pod", &["readNamespacedPodLog"]),
    ("create a namespace", &["createNamespace"]),
    ("delete a service", &["deleteNamespacedService"]),
    ("read a secret", &["readNamespacedSecret"]),
    (
        "update a config map",
        &["patchNamespacedConfigMap", "replaceNamespacedConfigMap"],
    ),
    (
        "list the cron jobs in a namespace",
        &["listNamespacedCronJob"],
    ),
    ("list the nodes of the cluster", &["listNode"]),
    (
        "create a persistent volume claim",
        &["createNamespacedPersistentVolumeClaim"],
    ),
    ("delete a deployment", &["deleteNamespacedDeployment"]),
    ("create a deployment", &["createNamespacedDeployment"]),
    ("list the events in a namespace", &["listNamespacedEvent"]),
    (
        "create a service account",
        &["createNamespacedServiceAccount"],
    ),
    (
        "get the status of a deployment",
        &["readNamespacedDeploymentStatus"],
    ),
    (
        "create a cluster role binding",
        &["createClusterRoleBinding"],
    ),
    (
        "list the horizontal pod autoscalers in a namespace",
        &["listNamespacedHorizontalPodAutoscaler"],
    ),
    (
        "execute a command in a pod",
        &[
            "connectGetNamespacedPodExec",
            "connectPostNamespacedPodExec",
        ],
    ),
    ("create an ingress", &["createNamespacedIngress"]),
    ("delete a pod", &["deleteNamespacedPod"]),
];

#[test]
fn github_and_kubernetes_discovery_lists_fit_in_2k_tokens() {
    for document in [
        "corpus/github/api.github.com.json",
        "corpus/kubernetes/swagger.json",
    ] {
        let api = load(document);
        let server = server(api, ToolMode::Auto);
        assert!(
            server.discovers(),
            "{document}: auto picks discovery for a large API"
        );
        let list = json!({ "tools": discovery::discovery_tools(server.api()) });
        let bytes = serde_json::to_vec(&list).unwrap().len();
        assert!(estimate_tokens(bytes) < 2000, "{document}: {bytes} bytes");
    }
    let petstore = load("corpus/swagger-petstore3/openapi.yaml");
    assert!(
        !server(petstore, ToolMode::Auto).discovers(),
        "a small API lists every tool"
    );
}

#[test]
fn github_tasks_find_their_operation_in_the_top_five() {
    let server = server(
        load("corpus/github/api.github.com.json"),
        ToolMode::Discover,
    );
    assert_eq!(GITHUB_TASKS.len(), 20);
    let misses = misses(&server, GITHUB_TASKS);
    eprintln!(
        "GitHub: {} of 20 in the top five; {misses:#?}",
        20 - misses.len()
    );
    assert!(
        misses.len() <= 2,
        "{} misses:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

#[test]
fn kubernetes_tasks_find_their_operation_in_the_top_five() {
    let server = server(load("corpus/kubernetes/swagger.json"), ToolMode::Discover);
    assert_eq!(KUBERNETES_TASKS.len(), 20);
    let misses = misses(&server, KUBERNETES_TASKS);
    eprintln!(
        "Kubernetes: {} of 20 in the top five; {misses:#?}",
        20 - misses.len()
    );
    assert!(
        misses.len() <= 2,
        "{} misses:\n{}",
        misses.len(),
        misses.join("\n")
    );
}

/// The three tools work together, filters narrow the search, and a call through
/// `call_operation` reaches the upstream exactly as a direct call does.
#[tokio::test]
async fn a_call_through_discovery_sends_the_same_request() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<String>::new()));
    let record = std::sync::Arc::clone(&seen);
    let app = axum::Router::new().fallback(move |request: axum::extract::Request| {
        let record = std::sync::Arc::clone(&record);
        async move {
            let (parts, body) = request.into_parts();
            let body = axum::body::to_bytes(body, 1 << 20).await.unwrap();
            let mut headers: Vec<String> = parts
                .headers
                .iter()
                .filter(|(n, _)| *n != "host")
                .map(|(n, v)| format!("{n}: {}", v.to_str().unwrap()))
                .collect();
            headers.sort();
            record.lock().unwrap().push(format!(
                "{} {}\n{}\n{}",
                parts.method,
                parts.uri,
                headers.join("\n"),
                String::from_utf8_lossy(&body)
            ));
            axum::Json(json!({"id": 7, "name": "Rex", "photoUrls": []}))
        }
    });
    tokio::spawn(async move { axum::serve(listener, app).await });
    let api = load("corpus/swagger-petstore3/openapi.yaml");
    let config = CredentialsConfig::parse(
        "credentials:\n  petstore_auth: { command: [echo, token-for-the-test] }\n",
        "credentials.yaml",
        std::path::Path::new("."),
    )
    .unwrap();
    let credentials = std::sync::Arc::new(Credentials::new(&api, &config).unwrap());
    let options = |mode| ServeOptions {
        credentials: credentials.clone(),
        target: Target {
            base_url: Some(url.clone()),
            ..Target::default()
        },
        tool_mode: mode,
        ..ServeOptions::default()
    };
    let direct = McpServer::new(api.clone(), options(ToolMode::All));
    let discovering = McpServer::new(api.clone(), options(ToolMode::Discover));

    let found = call(
        &discovering,
        "search_operations",
        json!({"query": "update a pet with form data"}),
    )
    .await;
    let results = found["structuredContent"]["results"].as_array().unwrap();
    assert_eq!(results[0]["name"], "updatePetWithForm", "{found}");
    let only_get = call(
        &discovering,
        "search_operations",
        json!({"query": "pet", "methods": ["get"], "tags": ["pet"], "limit": 50}),
    )
    .await;
    for hit in only_get["structuredContent"]["results"].as_array().unwrap() {
        assert_eq!(hit["method"], "GET", "{hit}");
        assert!(
            hit["tags"].as_array().unwrap().contains(&json!("pet")),
            "{hit}"
        );
    }

    let described = call(
        &discovering,
        "describe_operations",
        json!({"names": ["updatePetWithForm", "nope"]}),
    )
    .await;
    let operation = &described["structuredContent"]["operations"][0];
    let tool = api
        .tools
        .iter()
        .find(|t| t.name == "updatePetWithForm")
        .unwrap();
    assert_eq!(
        operation["inputSchema"],
        Value::Object(api.input_schema(tool))
    );
    assert_eq!(described["structuredContent"]["unknown"], json!(["nope"]));

    let args = json!({"petId": 7, "name": "Rex & co", "status": "sold"});
    let through = call(
        &discovering,
        "call_operation",
        json!({"name": "updatePetWithForm", "arguments": args}),
    )
    .await;
    assert_eq!(through["isError"], false, "{through}");
    let plain = call(&direct, "updatePetWithForm", args.clone()).await;
    assert_eq!(through, plain, "the same result either way");
    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0], seen[1], "the same request either way");
    assert!(
        seen[0].starts_with("POST /pet/7?name=Rex%20%26%20co&status=sold"),
        "{}",
        seen[0]
    );

    // Arguments are validated exactly as in normal mode, and nothing is sent.
    let bad = call(
        &discovering,
        "call_operation",
        json!({"name": "updatePetWithForm", "arguments": {"petId": "seven"}}),
    )
    .await;
    let plain_bad = call(&direct, "updatePetWithForm", json!({"petId": "seven"})).await;
    assert_eq!(bad, plain_bad);
    assert_eq!(bad["isError"], true);
    let unknown = call(&discovering, "call_operation", json!({"name": "nope"})).await;
    assert!(
        unknown["content"][0]["text"]
            .as_str()
            .unwrap()
            .contains("search_operations")
    );
}
