import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  statSync,
  ftruncateSync,
  unlinkSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import type { StateKey } from './state-container';
import type { StateStore } from './state-store';
import type { StateChange } from './unit-of-work';

const FORMAT = 'stripe-emulator-state';
const VERSION = 1;
/** The journal is folded into a new snapshot once it outgrows the snapshot and this. */
const MIN_COMPACT_BYTES = 4 * 1024 * 1024;
const WRITE_CHUNK_BYTES = 1024 * 1024;

/** Data folders this process holds, so that two emulators in one process cannot share one. */
const openInThisProcess = new Set<string>();

export interface StateFileOptions {
  /** fsync after every commit (survives power loss, not only a killed process). Default false. */
  fsync?: boolean;
  log?: (line: string) => void;
  /** For tests: compact as soon as the journal passes this many bytes. */
  compactAfterBytes?: number;
}

interface Header {
  format: string;
  version: number;
  generation: number;
}

type StateRecord = [string, StateKey] | [string, StateKey, unknown];

function line(name: string, key: StateKey, json: string | undefined): string {
  return `[${JSON.stringify(name)},${JSON.stringify(key)}${json === undefined ? '' : `,${json}`}]`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * The emulator's state on disk, under one data folder:
 *
 * - `state.snapshot`: every entry of every container, one JSON line each, in list order, between
 *   a header line (format, version, generation) and an end line;
 * - `state.journal`: one JSON line per committed request — its change set — appended with a
 *   synchronous write before the response is sent, so an answer the client saw survives a
 *   SIGKILL (and, with `fsync`, a power loss). A torn last line (killed mid-write) is dropped;
 * - `emulator.lock`: the pid of the process using the folder.
 *
 * Loading reads the snapshot then replays the journal of the same generation. When the journal
 * outgrows the snapshot it is folded into a new one (written aside, then renamed) and a fresh
 * journal begins; a journal of an older generation is ignored, so a crash between the two steps
 * loses nothing. Compaction runs after the response, in its own turn of the event loop.
 */
export class StateFile {
  private readonly snapshotPath: string;
  private readonly journalPath: string;
  private readonly lockPath: string;
  private journalFd: number | null = null;
  private journalBytes = 0;
  private snapshotBytes = 0;
  private generation = 0;
  private compactionQueued = false;
  private closed = false;
  private readonly log: (line: string) => void;
  /** Entries loaded at open (0: a first start). */
  loadedEntries = 0;

  private constructor(
    private readonly directory: string,
    private readonly store: StateStore,
    private readonly options: StateFileOptions,
  ) {
    this.snapshotPath = join(directory, 'state.snapshot');
    this.journalPath = join(directory, 'state.journal');
    this.lockPath = join(directory, 'emulator.lock');
    this.log = options.log ?? (() => undefined);
  }

  /** Locks the folder, loads what it holds into `store`, and starts recording its commits. */
  static open(directory: string, store: StateStore, options: StateFileOptions = {}): StateFile {
    mkdirSync(directory, { recursive: true });
    const file = new StateFile(resolve(directory), store, options);
    file.lock();
    try {
      file.load();
    } catch (error) {
      file.unlock();
      throw error;
    }
    store.units.onCommit((changes) => file.append(changes));
    return file;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.journalFd !== null) closeSync(this.journalFd);
    this.journalFd = null;
    this.unlock();
  }

  /** Writes one committed change set; throws (and the request is undone) if it cannot. */
  append(changes: StateChange[]): void {
    if (this.closed || this.journalFd === null) return;
    const parts = changes.map((change) =>
      line(change.container.stateName, change.key, change.json),
    );
    const text = `{"c":[${parts.join(',')}]}\n`;
    const bytes = Buffer.byteLength(text);
    writeSync(this.journalFd, text);
    if (this.options.fsync === true) fsyncSync(this.journalFd);
    this.journalBytes += bytes;
    const limit = this.options.compactAfterBytes ?? Math.max(MIN_COMPACT_BYTES, this.snapshotBytes);
    if (this.journalBytes > limit && !this.compactionQueued) {
      this.compactionQueued = true;
      setImmediate(() => {
        this.compactionQueued = false;
        if (!this.closed) this.compactSafely();
      });
    }
  }

  /** Folds the journal into a new snapshot now. */
  compact(): void {
    // Committed state only: whatever an implicit unit gathered is committed first.
    this.store.units.commitImplicit();
    const generation = this.generation + 1;
    const temporary = `${this.snapshotPath}.tmp`;
    const fd = openSync(temporary, 'w');
    let size = 0;
    try {
      let buffer: string[] = [];
      let buffered = 0;
      const write = (text: string): void => {
        buffer.push(text);
        buffered += text.length;
        if (buffered >= WRITE_CHUNK_BYTES) flush();
      };
      const flush = (): void => {
        if (buffer.length === 0) return;
        const chunk = buffer.join('');
        size += writeSync(fd, chunk);
        buffer = [];
        buffered = 0;
      };
      const header: Header = { format: FORMAT, version: VERSION, generation };
      write(`${JSON.stringify(header)}\n`);
      for (const [name, container] of this.store.containers) {
        for (const [key, json] of container.dumpEntries()) write(`${line(name, key, json)}\n`);
      }
      write('{"end":true}\n');
      flush();
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, this.snapshotPath);
    this.generation = generation;
    this.snapshotBytes = size;
    this.startJournal();
  }

  private compactSafely(): void {
    try {
      this.compact();
    } catch (error) {
      this.log(
        `emulator: compacting the state file failed (the journal keeps growing): ${(error as Error).message}`,
      );
    }
  }

  private lock(): void {
    if (openInThisProcess.has(this.directory))
      throw new Error(
        `The emulator data folder ${this.directory} is already open in this process.`,
      );
    try {
      writeFileSync(this.lockPath, String(process.pid), { flag: 'wx' });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = Number(readFileSync(this.lockPath, 'utf8').trim());
      // A lock left by a killed process (or by a previous run that had this same pid, as in a
      // container) is stale.
      if (Number.isInteger(holder) && holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `The emulator data folder ${this.directory} is in use by another process (pid ${holder}).`,
          { cause: error },
        );
      }
      writeFileSync(this.lockPath, String(process.pid));
    }
    openInThisProcess.add(this.directory);
  }

  private unlock(): void {
    openInThisProcess.delete(this.directory);
    try {
      if (readFileSync(this.lockPath, 'utf8').trim() === String(process.pid))
        unlinkSync(this.lockPath);
    } catch {
      // Already gone.
    }
  }

  private load(): void {
    if (existsSync(this.snapshotPath)) {
      const text = readFileSync(this.snapshotPath, 'utf8');
      this.snapshotBytes = Buffer.byteLength(text);
      const lines = text.split('\n');
      const header = JSON.parse(lines[0]) as Partial<Header>;
      if (header.format !== FORMAT || header.version !== VERSION)
        throw new Error(`${this.snapshotPath} is not an emulator state file of this version.`);
      this.generation = header.generation ?? 0;
      let ended = false;
      for (let index = 1; index < lines.length; index += 1) {
        if (lines[index] === '') continue;
        if (lines[index] === '{"end":true}') {
          ended = true;
          break;
        }
        this.loadRecord(JSON.parse(lines[index]) as StateRecord);
      }
      // Written aside and renamed, so a snapshot is whole unless the disk lost data.
      if (!ended) throw new Error(`${this.snapshotPath} is truncated.`);
    }
    this.replayJournal();
  }

  private replayJournal(): void {
    if (!existsSync(this.journalPath)) {
      this.startJournal();
      return;
    }
    const text = readFileSync(this.journalPath, 'utf8');
    const lines = text.split('\n');
    const header = JSON.parse(lines[0]) as Partial<Header>;
    if (header.generation !== this.generation) {
      // Older than the snapshot: the crash came after the snapshot was renamed, so the snapshot
      // already holds all of it.
      this.startJournal();
      return;
    }
    let goodBytes = Buffer.byteLength(lines[0]) + 1;
    for (let index = 1; index < lines.length; index += 1) {
      const entry = lines[index];
      if (entry === '') continue;
      let parsed: { c: StateRecord[] };
      try {
        parsed = JSON.parse(entry) as { c: StateRecord[] };
      } catch {
        // The process was killed while writing this line: that request never answered.
        this.log(`emulator: dropped a partly written last commit from ${this.journalPath}`);
        break;
      }
      for (const record of parsed.c) this.loadRecord(record);
      goodBytes += Buffer.byteLength(entry) + 1;
    }
    this.journalFd = openSync(this.journalPath, 'r+');
    if (goodBytes < statSync(this.journalPath).size) ftruncateSync(this.journalFd, goodBytes);
    this.journalBytes = goodBytes;
    closeSync(this.journalFd);
    this.journalFd = openSync(this.journalPath, 'a');
  }

  private loadRecord(record: StateRecord): void {
    const container = this.store.containers.get(record[0]);
    // A field that no longer exists in this version of the emulator.
    if (container === undefined) return;
    container.loadEntry(record[1], record.length === 3 ? record[2] : undefined);
    this.loadedEntries += 1;
  }

  /** A new, empty journal for the current generation, replacing the old one atomically. */
  private startJournal(): void {
    if (this.journalFd !== null) closeSync(this.journalFd);
    const header = `${JSON.stringify({ format: FORMAT, version: VERSION, generation: this.generation })}\n`;
    const temporary = `${this.journalPath}.tmp`;
    writeFileSync(temporary, header);
    const fd = openSync(temporary, 'r+');
    fsyncSync(fd);
    closeSync(fd);
    renameSync(temporary, this.journalPath);
    this.journalFd = openSync(this.journalPath, 'a');
    this.journalBytes = Buffer.byteLength(header);
  }
}
