// How CRI objects are told apart among the containers records (see store.ts), in a module of its
// own so runtsd can look for CRI state without loading the CRI plugin.
export const CRI_NAMESPACE = 'k8s.io';
export const KIND_LABEL = 'io.cri-containerd.kind';
