import { z } from 'zod';

/** One event per number in an `invoice-numbers-{series}-{year}` stream: revision r holds sequence r+1. */
export const invoiceNumberAllocatedSchema = z.object({
  seriesId: z.string().min(1).max(20),
  year: z.number().int().min(2000).max(9999),
  sequence: z.number().int().min(1),
  number: z.string().min(1).max(60),
  invoiceId: z.string().min(1).max(100),
  allocatedAt: z.iso.datetime(),
});
export type InvoiceNumberAllocated = {
  type: 'InvoiceNumberAllocated';
  data: z.infer<typeof invoiceNumberAllocatedSchema>;
};

export function decodeNumberAllocated(type: string, data: unknown): InvoiceNumberAllocated | null {
  if (type !== 'InvoiceNumberAllocated') return null;
  return { type, data: invoiceNumberAllocatedSchema.parse(data) };
}
