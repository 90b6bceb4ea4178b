/** The demo origin: a small bank-like site written for Tandem. (Stub until the demo lands.) */
export interface DemoSite {
    readonly url: string;
    close(): Promise<void>;
}
export declare function startDemoSite(port?: number, host?: string): Promise<DemoSite>;
