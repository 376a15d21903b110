/**
 * Known places where a node's provisioning rewrites kubelet files, so a fix there may not
 * survive. Display only: the reviewer should also fix the source of truth.
 */
const REWRITTEN: { test: RegExp; note: string }[] = [
  { test: /^\/etc\/default\/kubelet(config\.json)?$/, note: 'On AKS this file is rewritten by the node bootstrap (CSE) on reimage, upgrade and scale; Microsoft also treats direct node changes as unsupported. Set the value in the cluster or node-pool configuration too.' },
  { test: /^\/etc\/kubernetes\/kubelet\/config\.json(\.d\/.*)?$/, note: 'On EKS AL2023, nodeadm regenerates this file at every boot: put the setting in the NodeConfig (user data or /etc/eks/nodeadm.d/) as well.' },
  { test: /^\/var\/lib\/kubelet\/config\.yaml$/, note: '`kubeadm upgrade` rewrites this file from the kubelet-config ConfigMap: change the ConfigMap in kube-system too.' },
  { test: /^\/var\/lib\/kubelet\/kubeadm-flags\.env$/, note: '`kubeadm join/upgrade` regenerates this file: change the node registration kubeletExtraArgs too.' },
];

export function persistenceNotes(paths: string[]): string[] {
  const notes = new Set<string>();
  for (const p of paths) for (const r of REWRITTEN) if (r.test.test(p)) notes.add(`${p}: ${r.note}`);
  return [...notes];
}
