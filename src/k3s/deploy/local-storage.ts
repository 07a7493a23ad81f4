// The bundled local-storage manifest: k3s's manifests/local-storage.yaml (local-path-provisioner and
// the default StorageClass `local-path`) with k3os's images (text in manifests/local-storage.yaml).
// Volumes are directories under --default-local-storage-path, made and removed by helper pods
// running the busybox image.
import { BUNDLED_IMAGES } from "./image-refs.ts";
import { renderManifest } from "./manifest-template.ts";

export function renderLocalStorageManifest(o: { storagePath: string }): string {
  return renderManifest("local-storage", {
    // Inside a JSON string of config.json.
    DEFAULT_LOCAL_STORAGE_PATH: JSON.stringify(o.storagePath).slice(1, -1),
    LOCAL_PATH_PROVISIONER_IMAGE: BUNDLED_IMAGES.localPathProvisioner,
    BUSYBOX_IMAGE: BUNDLED_IMAGES.busybox,
  });
}
