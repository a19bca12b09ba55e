// The [plugins."io.containerd.grpc.v1.cri"] table of a containerd config.toml: the keys runtsd
// implements are read, every other key is named back for the start-up warning, bad values fail.
import { readCriTable } from '../../../../src/daemon/cri/config';

test('implemented keys are taken, the others listed by their dotted name', () => {
  const table = {
    sandbox_image: 'registry.k8s.io/pause:3.9',
    restrict_oom_score_adj: true,
    enable_selinux: false,
    cni: { bin_dir: '/opt/cni/bin:/usr/lib/cni', conf_dir: '/etc/cni/net.d', max_conf_num: 1 },
    registry: { config_path: '/etc/containerd/certs.d' },
    containerd: { runtimes: { runc: { options: { SystemdCgroup: false } } } },
  };
  expect(readCriTable(table, 'c.toml')).toEqual({
    config: {
      sandboxImage: 'registry.k8s.io/pause:3.9', restrictOomScoreAdj: true, cniBinDirs: ['/opt/cni/bin', '/usr/lib/cni'],
      cniConfDir: '/etc/cni/net.d', registryConfigPath: '/etc/containerd/certs.d',
    },
    ignored: ['enable_selinux', 'cni.max_conf_num'],
  });
});

test('bad values and the systemd cgroup driver are refused with the key named', () => {
  expect(() => readCriTable({ restrict_oom_score_adj: 'yes' }, 'c.toml')).toThrow(/restrict_oom_score_adj must be true or false/);
  expect(() => readCriTable({ containerd: { runtimes: { runc: { options: { SystemdCgroup: true } } } } }, 'c.toml')).toThrow(/only the cgroupfs driver/);
  expect(() => readCriTable({ cni: { conf_dir: 'relative' } }, 'c.toml')).toThrow(/must be absolute/);
});

test('the default runtime and its options file, as containerd names them', () => {
  const table = {
    containerd: {
      default_runtime_name: 'runts',
      runtimes: { runts: { runtime_type: 'io.containerd.runts.v2', options: { ConfigPath: '/etc/runts/shim.toml' } } },
    },
  };
  expect(readCriTable(table, 'c.toml').config).toEqual({
    defaultRuntime: 'runts', runtimes: { runts: { type: 'io.containerd.runts.v2', configPath: '/etc/runts/shim.toml' } },
  });
  expect(() => readCriTable({ containerd: { default_runtime_name: 'kata' } }, 'c.toml')).toThrow(/no containerd.runtimes.kata table/);
});

test('pods_per_shim: how many pods share one runts shim, a whole number of at least 1', () => {
  expect(readCriTable({ pods_per_shim: 4 }, 'c.toml').config).toEqual({ podsPerShim: 4 });
  expect(() => readCriTable({ pods_per_shim: 0 }, 'c.toml')).toThrow(/pods_per_shim must be a whole number of at least 1/);
  expect(() => readCriTable({ pods_per_shim: '2' }, 'c.toml')).toThrow(/pods_per_shim must be a whole number/);
});

test('stream_idle_timeout: a Go duration, 0 for none; anything else is refused', () => {
  expect(readCriTable({ stream_idle_timeout: '4h0m0s' }, 'c.toml').config).toEqual({ streamIdleTimeoutMs: 4 * 3600_000 });
  expect(readCriTable({ stream_idle_timeout: '0' }, 'c.toml').config).toEqual({ streamIdleTimeoutMs: 0 });
  expect(() => readCriTable({ stream_idle_timeout: '30' }, 'c.toml')).toThrow(/stream_idle_timeout must be a duration such as "4h0m0s"/);
  expect(() => readCriTable({ stream_idle_timeout: '-1s' }, 'c.toml')).toThrow(/stream_idle_timeout must be a duration/);
});
