# shellcheck shell=bash
# A second "machine" for agent tests: a network namespace joined to this host by a veth
# pair, with addresses from a per-test /30. Source it, then:
#   make_node_netns <subnet-prefix e.g. 10.201> <name tag>
# sets NS, VETH_HOST, VETH_NODE, HOST_IP, NODE_IP and creates them;
#   remove_node_netns   deletes them (call it from the EXIT trap).

make_node_netns() {
  local prefix=$1 tag=$2 id=$(( ($$ % 200) + 20 ))
  NS=k3s-e2e-$tag-$$
  VETH_HOST=k3${tag:0:1}${$}h
  VETH_NODE=k3${tag:0:1}${$}n
  HOST_IP=$prefix.$id.1
  NODE_IP=$prefix.$id.2
  ip netns add "$NS" || { echo "cannot create a network namespace"; exit 1; }
  ip link add "$VETH_HOST" type veth peer name "$VETH_NODE" || { echo "FAIL: veth"; exit 1; }
  ip link set "$VETH_NODE" netns "$NS"
  ip addr add "$HOST_IP/30" dev "$VETH_HOST"
  ip link set "$VETH_HOST" up
  ip netns exec "$NS" ip addr add "$NODE_IP/30" dev "$VETH_NODE"
  ip netns exec "$NS" ip link set "$VETH_NODE" up
  ip netns exec "$NS" ip link set lo up
}

remove_node_netns() {
  ip link del "$VETH_HOST" 2>/dev/null
  ip netns del "$NS" 2>/dev/null
}
