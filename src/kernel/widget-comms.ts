/**
 * The kernel's side of the widget handshakes, which must work before any notebook code has loaded
 * the widget library (a front-end opens these comms when it connects):
 *
 * - `jupyter.widget.version` (widget protocol version 1: ipywidgets 6 / jupyter-js-widgets 2.1,
 *   Debian 12's classic Notebook extension): answer `{version: "~2.1.0"}`, and from then on speak
 *   version 1 to this kernel's front-end;
 * - `jupyter.widget.control` (ipywidgets ≥ 7.7 front-ends, e.g. JupyterLab 4 + jupyterlab_widgets):
 *   speak protocol 2.1 and answer `request_states` with every widget's state.
 *
 * Before either, and for front-ends that open neither (nbclient, VS Code), the kernel speaks 2.1.
 * `NUMLAB_WIDGET_PROTOCOL=1` or `=2` fixes the choice.
 */
import type { CommManager } from "./comm";
import type { WidgetProtocolInfo, WidgetProtocolMajor, WidgetStateEntry } from "../widgets/link";
import { CONTROL_TARGET, LEGACY_FRONTEND_RANGE, VERSION_TARGET, separateBuffers } from "../widgets/protocol";

/** The protocol forced by NUMLAB_WIDGET_PROTOCOL, or null for automatic. */
export function protocolFromEnv(env: NodeJS.ProcessEnv = process.env): WidgetProtocolMajor | null {
  const v = (env.NUMLAB_WIDGET_PROTOCOL ?? "").trim();
  if (v === "1") return 1;
  if (v === "2" || v === "2.1" || v === "2.1.0") return 2;
  return null;
}

export class WidgetProtocol {
  /** What the front-end's handshake said (protocol 2 until one does). */
  private negotiated: WidgetProtocolInfo = { major: 2, source: "default" };
  /** NUMLAB_WIDGET_PROTOCOL, or `set`: wins over the handshake. */
  private forced: WidgetProtocolInfo | null;
  private provider: () => Record<string, WidgetStateEntry> = () => ({});

  constructor(
    comms: CommManager,
    private readonly log: (...parts: unknown[]) => void,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    const forced = protocolFromEnv(env);
    this.forced = forced ? { major: forced, source: "env" } : null;

    comms.registerTarget(VERSION_TARGET, (comm) => {
      comm.send({ version: LEGACY_FRONTEND_RANGE });
      this.switchTo({ major: 1, source: VERSION_TARGET });
      comm.handlers.onMsg = (data) => {
        const d = (data ?? {}) as { validated?: boolean; frontend_version?: string };
        if (typeof d.frontend_version === "string" && this.negotiated.source === VERSION_TARGET) {
          this.negotiated = { ...this.negotiated, frontendVersion: d.frontend_version };
        }
        if (d.validated === false) this.log(`widget front-end ${d.frontend_version ?? "?"} does not satisfy ${LEGACY_FRONTEND_RANGE}`);
      };
    });

    comms.registerTarget(CONTROL_TARGET, (comm) => {
      this.switchTo({ major: 2, source: CONTROL_TARGET });
      comm.handlers.onMsg = (data) => {
        const method = (data as { method?: unknown } | null)?.method;
        if (method !== "request_states") {
          this.log(`unknown widget control method ${String(method)}`);
          return;
        }
        const split = separateBuffers(this.provider() as unknown as Record<string, unknown>);
        comm.send({ method: "update_states", states: split.state, buffer_paths: split.bufferPaths }, { buffers: split.buffers });
      };
    });
  }

  info(): WidgetProtocolInfo {
    return { ...(this.forced ?? this.negotiated) };
  }

  /** Force a protocol (null: back to NUMLAB_WIDGET_PROTOCOL, else what the front-end said). */
  set(major: WidgetProtocolMajor | null): void {
    const env = protocolFromEnv();
    this.forced = major !== null ? { major, source: "set" } : env ? { major: env, source: "env" } : null;
  }

  setStateProvider(provider: () => Record<string, WidgetStateEntry>): void {
    this.provider = provider;
  }

  private switchTo(info: WidgetProtocolInfo): void {
    if (this.negotiated.major !== info.major && !this.forced) {
      this.log(`widget protocol ${info.major === 1 ? "1 (jupyter-js-widgets ~2.1)" : "2.1"}: the front-end opened ${info.source}`);
    }
    this.negotiated = info;
  }
}
