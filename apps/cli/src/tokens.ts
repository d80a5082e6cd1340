export const PG_POOL = Symbol('PG_POOL');
export const TOLLGATE_CONFIG = Symbol('TOLLGATE_CONFIG');
export const INVOICE_SERVICE = Symbol('INVOICE_SERVICE');
export const INVOICE_DOWNLOADS = Symbol('INVOICE_DOWNLOADS');
