/** Bus payloads of messaging beyond its model (`model.ts`): receipts and typing, one per recipient `userId`. */
export interface MessageReceiptEvent {
  tenantId: string;
  /** The recipient. */
  userId: string;
  conversationId: string;
  /** Whose receipt moved. */
  memberId: string;
  member: string;
  deliveredSeq: number;
  readSeq: number;
}

export interface MessageTypingEvent {
  tenantId: string;
  userId: string;
  conversationId: string;
  memberId: string;
  member: string;
  typing: boolean;
}
