// gRPC registers its "extra" plugins — the xDS resolver and load-balancing policies, the RBAC
// filter, Google default credentials, the file-watcher certificate provider — from one
// function, RegisterExtraFilters, which sits alone in its own object of libgrpc.a. gRPC's own
// grpc_unsecure build replaces that object with an empty function; defining the same empty
// function here keeps the archive's object, and the ~2 MB of xDS code it pulls in (with its
// static initializers), out of the static k3s binary. k3s dials only unix: and host:port
// targets, never xds: ones.
//
// The function is named by its mangled symbol so no gRPC-internal class has to be declared;
// should a later gRPC rename it, this is an unused function and gRPC's full set stays linked.
void k3s_grpc_register_no_extra_plugins(void* builder) asm(
    "_ZN9grpc_core20RegisterExtraFiltersEPNS_17CoreConfiguration7BuilderE");
void k3s_grpc_register_no_extra_plugins(void*) {}
