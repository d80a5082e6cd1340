import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { CHROMIUM_ARGS, chromiumPath } from '@tollgate/platform';

export interface PdfRendererOptions {
  /** Chromium binary; default CHROME_PATH or /usr/bin/chromium (Debian). */
  executablePath?: string;
  /** Pages rendering at once; more renders wait in line. */
  maxConcurrentRenders?: number;
  /** Renders waiting for a page; past this a render is refused at once. */
  maxQueuedRenders?: number;
  renderTimeoutMs?: number;
  launchTimeoutMs?: number;
  /** Told after every render (metrics); must not throw. */
  onRender?: (outcome: 'rendered' | 'failed', seconds: number) => void;
}

export class PdfRenderError extends Error {
  constructor(
    readonly code: 'RENDER_QUEUE_FULL' | 'RENDERER_CLOSED' | 'RENDER_FAILED',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PdfRenderError';
  }
}

/**
 * HTML → PDF with one Chromium, launched on first use and relaunched if it dies. A semaphore bounds
 * concurrent renders; idle pages are reused (a fresh page costs several times a render).
 */
export class PdfRenderer {
  private readonly executablePath: string;
  private readonly maxConcurrent: number;
  private readonly maxQueued: number;
  private readonly renderTimeoutMs: number;
  private readonly launchTimeoutMs: number;
  private browser: Promise<Browser> | null = null;
  private idlePages: Page[] = [];
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  private closed = false;
  private readonly onRender: PdfRendererOptions['onRender'];

  constructor(options: PdfRendererOptions = {}) {
    this.executablePath = options.executablePath ?? chromiumPath();
    this.maxConcurrent = options.maxConcurrentRenders ?? 4;
    this.maxQueued = options.maxQueuedRenders ?? 1000;
    this.renderTimeoutMs = options.renderTimeoutMs ?? 20_000;
    this.launchTimeoutMs = options.launchTimeoutMs ?? 30_000;
    this.onRender = options.onRender;
    if (!Number.isInteger(this.maxConcurrent) || this.maxConcurrent < 1)
      throw new RangeError('maxConcurrentRenders must be a positive integer');
  }

  /** Launches the browser now (e.g. at startup) so the first render is warm. */
  async warmUp(): Promise<void> {
    await this.getBrowser();
  }

  async render(html: string): Promise<Buffer> {
    if (this.closed) throw new PdfRenderError('RENDERER_CLOSED', 'the PDF renderer is closed');
    await this.acquire();
    const startedAt = performance.now();
    let page: Page | null = null;
    let reusable = false;
    try {
      page = await this.takePage();
      await page.setContent(html, { waitUntil: 'load', timeout: this.renderTimeoutMs });
      const pdf = await page.pdf({
        format: 'A4',
        printBackground: true,
        preferCSSPageSize: true,
        timeout: this.renderTimeoutMs,
      });
      reusable = true;
      return Buffer.from(pdf);
    } catch (err) {
      throw new PdfRenderError('RENDER_FAILED', `PDF render failed: ${(err as Error).message}`, {
        cause: err,
      });
    } finally {
      this.onRender?.(reusable ? 'rendered' : 'failed', (performance.now() - startedAt) / 1000);
      if (page) {
        if (reusable && !this.closed && !page.isClosed()) this.idlePages.push(page);
        else void page.close().catch(() => undefined);
      }
      this.release();
    }
  }

  /** Renders running now (never above maxConcurrentRenders). */
  get activeRenders(): number {
    return this.active;
  }

  /** The running browser's process id, or null before launch (monitoring, crash tests). */
  async browserProcessId(): Promise<number | null> {
    const browser = this.browser ? await this.browser.catch(() => null) : null;
    return browser?.process()?.pid ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    const pending = this.browser;
    this.browser = null;
    this.idlePages = [];
    for (const wake of this.waiting.splice(0)) wake();
    if (pending) {
      const browser = await pending.catch(() => null);
      await browser?.close().catch(() => undefined);
    }
  }

  private async acquire(): Promise<void> {
    if (this.active < this.maxConcurrent) {
      this.active++;
      return;
    }
    if (this.waiting.length >= this.maxQueued)
      throw new PdfRenderError('RENDER_QUEUE_FULL', `more than ${this.maxQueued} PDF renders are waiting`);
    await new Promise<void>((resolve) => this.waiting.push(resolve));
    if (this.closed) throw new PdfRenderError('RENDERER_CLOSED', 'the PDF renderer is closed');
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // hand the slot over directly
    else this.active--;
  }

  private async takePage(): Promise<Page> {
    const browser = await this.getBrowser();
    while (this.idlePages.length > 0) {
      const page = this.idlePages.pop() as Page;
      if (!page.isClosed() && page.browser() === browser) return page;
    }
    const page = await browser.newPage();
    await page.setJavaScriptEnabled(false); // templates are static HTML; no script runs
    return page;
  }

  private getBrowser(): Promise<Browser> {
    if (this.closed)
      return Promise.reject(new PdfRenderError('RENDERER_CLOSED', 'the PDF renderer is closed'));
    if (!this.browser) {
      const launching = puppeteer
        .launch({
          executablePath: this.executablePath,
          args: [...CHROMIUM_ARGS],
          headless: true,
          timeout: this.launchTimeoutMs,
        })
        .then((browser) => {
          // A crashed or killed browser is replaced on the next render.
          browser.once('disconnected', () => {
            if (this.browser === launching) {
              this.browser = null;
              this.idlePages = [];
            }
          });
          return browser;
        });
      launching.catch(() => {
        if (this.browser === launching) this.browser = null;
      });
      this.browser = launching;
    }
    return this.browser;
  }
}
