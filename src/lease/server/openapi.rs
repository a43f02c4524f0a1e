//! The OpenAPI 3.1 document served at `/openapi.json`. Written out by hand, and held to the
//! router by a test that calls every path it lists.

use serde_json::{Value, json};

/// Every (method, path) the router serves, in the document's form.
pub(crate) const ROUTES: &[(&str, &str, &str)] = &[
    ("get", "/", "The dashboard: the registry's map with the live leases and listeners (text/html)"),
    ("post", "/ports/allocate", "Allocate a port from a pool, or renew the service's own lease"),
    ("post", "/ports/release", "End a lease, by allocation_id or by service_name and scope"),
    ("post", "/ports/heartbeat/{id}", "Extend a live lease by its TTL; 410 once it has expired"),
    ("post", "/ports/cleanup", "Remove the leases that have expired or whose process died"),
    (
        "get",
        "/ports/directory",
        "Every live lease, keyed by service (service@scope outside the default scope)",
    ),
    ("get", "/ports/service/{name}", "The live leases of a service"),
    ("get", "/ports/port/{port}", "The live leases on a port"),
    ("get", "/ports/type/{kind}", "The live leases of a pool"),
    ("get", "/ports/overview", "Leases, port usage, pools and counts in one answer"),
    ("get", "/ports/stats", "Counts per pool"),
    ("get", "/ports/health", "Whether the store answers and the pools have room"),
    ("get", "/ports/ranges", "The pools: the config's ranges that `pools` names"),
    ("get", "/ports/listening", "What listens on the server's host now, from the kernel's socket tables"),
    ("get", "/openapi.json", "This document"),
];

fn schemas() -> Value {
    let name = json!({ "type": "string", "pattern": "^[A-Za-z0-9_.:/-]{1,128}$" });
    json!({
        "AllocateBody": {
            "type": "object",
            "additionalProperties": false,
            "required": ["service_name"],
            "properties": {
                "service_name": name,
                "service_type": { "type": "string", "description": "a pool's pattern; may be left out when the config has one pool" },
                "preferred_port": { "type": "integer", "minimum": 1, "maximum": 65535 },
                "required": { "type": "boolean", "default": false },
                "ttl_seconds": { "type": "integer", "minimum": 1, "maximum": 86400, "default": super::super::wire::DEFAULT_TTL_SECONDS },
                "protocol": { "enum": ["tcp", "udp", "both"], "default": "tcp" },
                "scope": name,
                "process_id": { "type": "integer", "minimum": 1, "description": "a process on the holder's host; its death frees the lease" },
                "host": name,
                "labels": { "type": "object", "additionalProperties": { "type": "string", "maxLength": 256 } }
            }
        },
        "ReleaseBody": {
            "type": "object",
            "additionalProperties": false,
            "properties": { "allocation_id": { "type": "string" }, "service_name": name, "scope": name }
        },
        "Allocation": {
            "type": "object",
            "properties": {
                "allocation_id": { "type": "string" },
                "port": { "type": "integer" },
                "service_name": { "type": "string" },
                "service_type": { "type": "string" },
                "protocol": { "enum": ["tcp", "udp", "both"] },
                "scope": { "type": "string" },
                "status": { "enum": ["Active", "Expired"] },
                "allocated_at": { "type": "string", "format": "date-time" },
                "last_heartbeat": { "type": "string", "format": "date-time" },
                "expires_at": { "type": "string", "format": "date-time" },
                "ttl_seconds": { "type": "integer" },
                "process_id": { "type": ["integer", "null"] },
                "host": { "type": "string" },
                "labels": { "type": "object", "additionalProperties": { "type": "string" } }
            }
        },
        "Allocated": {
            "type": "object",
            "properties": {
                "success": { "const": true },
                "allocation": { "$ref": "#/components/schemas/Allocation" },
                "created": { "type": "boolean" },
                "message": { "type": "string" }
            }
        },
        "Listening": {
            "type": "object",
            "required": ["listeners"],
            "properties": {
                "listeners": { "type": "array", "items": {
                    "type": "object",
                    "properties": {
                        "protocol": { "enum": ["tcp", "udp"] },
                        "port": { "type": "integer" },
                        "address": { "type": "string" },
                        "pid": { "type": ["integer", "null"] },
                        "command": { "type": ["string", "null"] }
                    }
                } },
                "unseen": { "type": "string", "description": "why the host's listeners cannot be seen" }
            }
        },
        "Directory": { "type": "object", "additionalProperties": { "$ref": "#/components/schemas/Allocation" } },
        "Error": {
            "type": "object",
            "required": ["success", "error", "message"],
            "properties": {
                "success": { "const": false },
                "error": { "type": "string", "description": "bad-input, no-such-pool, no-pool, taken, exhausted, not-found, expired, store, unauthorized, rate-limited, too-large, content-type" },
                "message": { "type": "string" },
                "field": { "type": "string", "description": "the request field at fault" },
                "hint": { "type": "string" }
            }
        }
    })
}

fn responses(method: &str, path: &str) -> Value {
    let error = |what: &str| json!({ "description": what, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let ok_schema = match path {
        "/ports/allocate" => json!({ "$ref": "#/components/schemas/Allocated" }),
        "/ports/directory" | "/ports/service/{name}" | "/ports/port/{port}" | "/ports/type/{kind}" => {
            json!({ "$ref": "#/components/schemas/Directory" })
        }
        "/ports/listening" => json!({ "$ref": "#/components/schemas/Listening" }),
        _ => json!({ "type": "object" }),
    };
    let ok = if path == "/" {
        json!({ "description": "the page", "content": { "text/html": { "schema": { "type": "string" } } } })
    } else {
        json!({ "description": "done", "content": { "application/json": { "schema": ok_schema } } })
    };
    let mut r = json!({
        "200": ok,
        "401": error("a token is required and this one is missing or wrong"),
        "429": error("this client address sent too many requests; retry after a second"),
    });
    if method == "post" {
        r["400"] = error("bad input; `field` names it");
    }
    match path {
        "/ports/allocate" => {
            r["201"] = json!({ "description": "a new lease", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Allocated" } } } });
            r["409"] = error("the required port is taken; the message names the holder");
            r["413"] = error("the body is too large");
            r["415"] = error("the body is not sent as application/json");
            r["503"] = error("the pool has no free port");
        }
        "/ports/heartbeat/{id}" => {
            r["404"] = error("no such lease");
            r["410"] = error("the lease has expired; it is never revived");
        }
        "/ports/service/{name}" | "/ports/port/{port}" => r["404"] = error("no live lease matches"),
        "/ports/type/{kind}" => r["400"] = error("no such pool"),
        _ => {}
    }
    r
}

pub(crate) fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary) in ROUTES {
        let mut op = json!({ "summary": summary, "responses": responses(method, path) });
        let params: Vec<Value> = path
            .split('/')
            .filter_map(|seg| seg.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
            .collect();
        if !params.is_empty() {
            op["parameters"] = Value::Array(params);
        }
        let body = match *path {
            "/ports/allocate" => Some("AllocateBody"),
            "/ports/release" => Some("ReleaseBody"),
            _ => None,
        };
        if let Some(schema) = body {
            op["requestBody"] = json!({ "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } });
        }
        let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
        entry[*method] = op;
    }
    json!({
        "openapi": "3.1.0",
        "info": { "title": "portnix leases", "version": env!("CARGO_PKG_VERSION"), "description": "Ports leased at run time from the registry's pools (seed 004's API)" },
        "components": {
            "schemas": schemas(),
            "securitySchemes": { "token": { "type": "http", "scheme": "bearer" } }
        },
        "paths": paths,
    })
}
