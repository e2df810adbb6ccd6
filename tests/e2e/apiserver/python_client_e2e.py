#!/usr/bin/env python3
"""Drives a running k3s API server with Debian's python3-kubernetes client.

Usage: python_client_e2e.py [--probe] <kubeconfig>
Exits non-zero, naming every failed check, if the server answers the client wrongly.
"""
import sys
import threading

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

failures = []


def check(cond, what, detail=""):
    if cond:
        print(f"ok: {what}")
    else:
        print(f"FAIL: {what} {detail}")
        failures.append(what)


def expect_status(status, what, fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ApiException as e:
        check(e.status == status, what, f"(got status {e.status}: {e.body})")
        return
    except Exception as e:  # a client-side failure is a failure of this check, not a crash
        check(False, what, f"(raised {type(e).__name__}: {e})")
        return
    check(False, what, f"(no ApiException, expected {status})")


def step(what, fn, *args, **kwargs):
    """Runs one client call; an exception fails the check and is reported with the server's body."""
    try:
        return fn(*args, **kwargs)
    except ApiException as e:
        check(False, what, f"(ApiException {e.status} {e.reason}: {e.body})")
    except Exception as e:
        check(False, what, f"({type(e).__name__}: {e})")
    return None


def main():
    args = sys.argv[1:]
    probe = args and args[0] == "--probe"
    if probe:
        args = args[1:]
    config.load_kube_config(config_file=args[0])
    core = client.CoreV1Api()
    apps = client.AppsV1Api()
    if probe:
        core.list_namespace(_request_timeout=2)
        return 0

    ns_list = step("list namespaces", core.list_namespace)
    if ns_list is not None:
        names = {n.metadata.name for n in ns_list.items}
        for want in ("default", "kube-system", "kube-public", "kube-node-lease"):
            check(want in names, f"namespace list has {want}", f"(got {sorted(names)})")
        check(bool(ns_list.metadata.resource_version), "namespace list has resourceVersion")
    nodes = step("list nodes", core.list_node)
    check(nodes is not None and isinstance(nodes.items, list), "node list decodes")

    ns = "pyclient-e2e"
    created = step("create namespace", core.create_namespace,
                   client.V1Namespace(api_version="v1", kind="Namespace", metadata=client.V1ObjectMeta(name=ns, labels={"suite": "py"})))
    check(created is not None and created.metadata.name == ns and bool(created.metadata.uid),
          "created namespace has name and uid")
    got = step("read namespace", core.read_namespace, ns)
    check(got is not None and (got.metadata.labels or {}).get("suite") == "py", "namespace labels read back",
          f"({got.metadata.labels if got else None})")
    check(got is not None and got.status is not None and got.status.phase == "Active",
          "namespace phase Active", f"({got.status if got else None})")

    cm = client.V1ConfigMap(api_version="v1", kind="ConfigMap", metadata=client.V1ObjectMeta(name="cfg", labels={"app": "web"}),
                            data={"greeting": "hello"})
    step("create configmap", core.create_namespaced_config_map, ns, cm)
    got = step("read configmap", core.read_namespaced_config_map, "cfg", ns)
    check(got is not None and got.data == {"greeting": "hello"}, "configmap data read back",
          f"({got.data if got else None})")
    # The client's models leave kind/apiVersion unset unless the caller fills them in; the endpoint
    # already names the kind, so such a body must be accepted.
    bare = step("create configmap without kind/apiVersion", core.create_namespaced_config_map, ns,
                client.V1ConfigMap(metadata=client.V1ObjectMeta(name="bare"), data={"k": "v"}))
    check(bare is not None and bare.kind == "ConfigMap" and bare.data == {"k": "v"},
          "kind-less create answered with a ConfigMap", f"({bare.kind if bare else None})")
    if bare is not None:
        step("delete kind-less configmap", core.delete_namespaced_config_map, "bare", ns)
    expect_status(409, "create configmap twice is 409 AlreadyExists",
                  core.create_namespaced_config_map, ns, cm)
    expect_status(404, "read missing configmap is 404",
                  core.read_namespaced_config_map, "no-such-cm", ns)
    expect_status(404, "read missing namespace is 404", core.read_namespace, "no-such-namespace")
    cms = step("list configmaps by label", core.list_namespaced_config_map, ns, label_selector="app=web")
    check(cms is not None and [c.metadata.name for c in cms.items] == ["cfg"], "label selector list",
          f"({[c.metadata.name for c in cms.items] if cms else None})")

    sec = client.V1Secret(api_version="v1", kind="Secret", metadata=client.V1ObjectMeta(name="creds"), type="Opaque",
                          string_data={"password": "s3cret"})
    step("create secret", core.create_namespaced_secret, ns, sec)
    got = step("read secret", core.read_namespaced_secret, "creds", ns)
    # stringData is write-only: the server must fold it into base64 data.
    check(got is not None and got.data == {"password": "czNjcmV0"} and got.type == "Opaque",
          "secret stringData folded into base64 data", f"({got.data if got else None})")

    labels = {"app": "web"}
    dep = client.V1Deployment(
        api_version="apps/v1", kind="Deployment",
        metadata=client.V1ObjectMeta(name="web", labels=labels),
        spec=client.V1DeploymentSpec(
            replicas=2,
            selector=client.V1LabelSelector(match_labels=labels),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels=labels),
                spec=client.V1PodSpec(containers=[client.V1Container(
                    name="web", image="busybox:1.36", command=["sleep", "3600"],
                    ports=[client.V1ContainerPort(container_port=8080)])]))))
    step("create deployment", apps.create_namespaced_deployment, ns, dep)
    got = step("read deployment", apps.read_namespaced_deployment, "web", ns)
    check(got is not None and got.spec.replicas == 2, "deployment replicas read back")
    check(got is not None and got.spec.template.spec.containers[0].image == "busybox:1.36",
          "deployment container image read back")
    check(got is not None and got.spec.selector.match_labels == labels, "deployment selector read back")

    patched = step("strategic-merge patch deployment", apps.patch_namespaced_deployment, "web", ns,
                   {"metadata": {"labels": {"patched": "yes"}},
                    "spec": {"replicas": 3,
                             "template": {"spec": {"containers": [
                                 {"name": "web", "image": "busybox:1.37"}]}}}})
    if patched is not None:
        c = patched.spec.template.spec.containers
        check(patched.spec.replicas == 3, "patch set replicas", f"({patched.spec.replicas})")
        check(patched.metadata.labels.get("patched") == "yes" and patched.metadata.labels.get("app") == "web",
              "patch merged labels", f"({patched.metadata.labels})")
        # Strategic merge keys containers by name: one container, new image, command kept.
        check(len(c) == 1 and c[0].image == "busybox:1.37" and c[0].command == ["sleep", "3600"],
              "patch merged container by name", f"({[(x.name, x.image, x.command) for x in c]})")

    cur = step("read configmap for replace", core.read_namespaced_config_map, "cfg", ns)
    if cur is not None:
        cur.data = {"greeting": "replaced"}
        rep = step("replace configmap", core.replace_namespaced_config_map, "cfg", ns, cur)
        check(rep is not None and rep.data == {"greeting": "replaced"}
              and rep.metadata.resource_version != cur.metadata.resource_version,
              "replace changed data and resourceVersion")
        stale = client.V1ConfigMap(api_version="v1", kind="ConfigMap", metadata=client.V1ObjectMeta(
            name="cfg", resource_version=cur.metadata.resource_version), data={"x": "y"})
        expect_status(409, "replace with stale resourceVersion is 409 Conflict",
                      core.replace_namespaced_config_map, "cfg", ns, stale)

    svc = client.V1Service(api_version="v1", kind="Service", metadata=client.V1ObjectMeta(name="web"),
                           spec=client.V1ServiceSpec(selector=labels, ports=[client.V1ServicePort(
                               name="http", port=80, target_port=8080, protocol="TCP")]))
    step("create service", core.create_namespaced_service, ns, svc)
    got = step("read service", core.read_namespaced_service, "web", ns)
    if got is not None:
        check(got.spec.ports[0].port == 80 and got.spec.ports[0].target_port == 8080, "service ports read back",
              f"({got.spec.ports})")
        check(got.spec.selector == labels, "service selector read back")
        check(bool(got.spec.cluster_ip), "service got a clusterIP", f"({got.spec.cluster_ip})")

    # Watch: start from the list's resourceVersion, then make changes from another thread.
    base = step("list configmaps for watch", core.list_namespaced_config_map, ns)
    if base is not None:
        events = []
        w = watch.Watch()

        def mutate():
            core.create_namespaced_config_map(ns, client.V1ConfigMap(
                api_version="v1", kind="ConfigMap", metadata=client.V1ObjectMeta(name="watched"), data={"v": "1"}))
            core.patch_namespaced_config_map("watched", ns, {"data": {"v": "2"}})
            core.delete_namespaced_config_map("watched", ns)

        errors = []

        def run_mutate():
            try:
                mutate()
            except Exception as e:
                errors.append(e)

        # The watch starts at the list's resourceVersion, so every change the thread makes is after
        # it and must be delivered whether it lands before or after the stream connects.
        t = threading.Thread(target=run_mutate)
        t.start()
        try:
            for ev in w.stream(core.list_namespaced_config_map, ns,
                               resource_version=base.metadata.resource_version, timeout_seconds=30):
                obj = ev["object"]
                if obj.metadata.name == "watched":
                    events.append((ev["type"], (obj.data or {}).get("v")))
                    if ev["type"] == "DELETED":
                        w.stop()
        except Exception as e:
            check(False, "watch stream", f"({type(e).__name__}: {e})")
        t.join()
        check(not errors, "changes during watch", f"({errors})")
        check([e[0] for e in events] == ["ADDED", "MODIFIED", "DELETED"], "watch saw ADDED, MODIFIED, DELETED",
              f"({events})")
        check(events[:2] == [("ADDED", "1"), ("MODIFIED", "2")], "watch events carry the new objects",
              f"({events})")

    step("delete service", core.delete_namespaced_service, "web", ns)
    step("delete deployment", apps.delete_namespaced_deployment, "web", ns)
    step("delete secret", core.delete_namespaced_secret, "creds", ns)
    step("delete configmap", core.delete_namespaced_config_map, "cfg", ns)
    expect_status(404, "deleted configmap is gone", core.read_namespaced_config_map, "cfg", ns)
    step("delete namespace", core.delete_namespace, ns)

    if failures:
        print(f"{len(failures)} check(s) failed: {', '.join(failures)}")
        return 1
    print("all python client checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
