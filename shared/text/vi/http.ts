// Refusals of the hub's HTTP front door (limits and request format), shown by
// the pages when a request or a live-update stream is refused.
export const httpText = {
  tooManyStreams:
    'Máy chủ đang phục vụ quá nhiều màn hình theo dõi trực tiếp; trang sẽ tự kết nối lại sau ít phút.',
  tooManyStreamsFromAddress:
    'Thiết bị này đang mở quá nhiều trang theo dõi trực tiếp; hãy đóng bớt các thẻ (tab) không dùng.',
  jsonRequired: 'Yêu cầu phải gửi dữ liệu dạng JSON (Content-Type: application/json), ví dụ {}.',
  emptyJson: 'Yêu cầu gửi dạng JSON nhưng không có nội dung; hãy gửi ít nhất {}.',
  requestTimeout: 'Yêu cầu gửi tới quá chậm nên máy chủ đã ngắt kết nối; hãy thử lại.',
  headersTooLarge: 'Phần đầu (header) của yêu cầu quá lớn.',
  malformedRequest: 'Yêu cầu HTTP không đúng định dạng.',
} as const;
