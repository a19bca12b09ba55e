// How PullImage gets an image into runtsd: the registry client's pull (src/daemon/pull) behind
// a small interface, so the CRI plugin does not depend on how a pull is done.
export interface PullAuth {
  username: string;
  password: string;
  auth: string;
  serverAddress: string;
  identityToken: string;
  registryToken: string;
}

export interface ImagePuller {
  /** Pulls and unpacks `reference` into `namespace`; resolves to the stored image name. */
  pull(reference: string, namespace: string, auth: PullAuth | undefined, platform: string | undefined): Promise<string>;
}
