/**
 * The Kubernetes objects `engine k8s job` writes, typed with only the fields it
 * sets. Local on purpose: the published `.d.ts` must not import a Kubernetes
 * types package the CLI's users do not install. Each type is a subset of the
 * API's own (kubernetes-models 4.x): the manifest's test assigns the objects
 * to those types and validates them against the Kubernetes OpenAPI schemas.
 */

export interface K8sObjectMeta {
  name: string;
  namespace?: string;
  labels?: Record<string, string>;
}

export interface K8sConfigMap {
  apiVersion: 'v1';
  kind: 'ConfigMap';
  metadata: K8sObjectMeta;
  data: Record<string, string>;
}

export interface K8sPersistentVolumeClaim {
  apiVersion: 'v1';
  kind: 'PersistentVolumeClaim';
  metadata: K8sObjectMeta;
  spec: {
    accessModes: ('ReadWriteOnce' | 'ReadOnlyMany' | 'ReadWriteMany' | 'ReadWriteOncePod')[];
    resources: { requests: Record<string, string> };
    storageClassName?: string;
  };
}

export interface K8sEnvVar {
  name: string;
  value?: string;
  valueFrom?: { fieldRef: { fieldPath: string } };
}

export interface K8sVolumeMount {
  name: string;
  mountPath: string;
  readOnly?: boolean;
}

export interface K8sVolume {
  name: string;
  configMap?: { name: string };
  persistentVolumeClaim?: { claimName: string };
}

export interface K8sContainer {
  name: string;
  image: string;
  command?: string[];
  args?: string[];
  env?: K8sEnvVar[];
  volumeMounts?: K8sVolumeMount[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
}

export interface K8sPodTemplate {
  metadata?: { labels?: Record<string, string> };
  spec: {
    restartPolicy: 'Never' | 'OnFailure' | 'Always';
    initContainers?: K8sContainer[];
    containers: K8sContainer[];
    volumes?: K8sVolume[];
  };
}

export interface K8sJob {
  apiVersion: 'batch/v1';
  kind: 'Job';
  metadata: K8sObjectMeta;
  spec: {
    completionMode?: 'Indexed' | 'NonIndexed';
    completions?: number;
    parallelism?: number;
    backoffLimit?: number;
    backoffLimitPerIndex?: number;
    podReplacementPolicy?: 'Failed' | 'TerminatingOrFailed';
    template: K8sPodTemplate;
  };
}

/** An object of the manifest, in the order `kubectl apply` gets them. */
export type K8sObject = K8sConfigMap | K8sPersistentVolumeClaim | K8sJob;
