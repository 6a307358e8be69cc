// Why the hub refused a rating key press, in words for the log, the device
// list and the technician. The rating device shows a refusal with its fault
// LED; these sentences say what happened.

export const ratingRefusalText = {
  device_not_bound: 'Thiết bị đánh giá {deviceId} chưa được gắn với quầy nào: hãy đăng ký lại với --counter.',
  wrong_counter:
    'Thiết bị đánh giá {deviceId} được đăng ký cho quầy {bound}, nhưng cấu hình của nó ghi quầy {claimed}.',
  level_not_in_scale: 'Mức "{level}" không có trong thang đánh giá {levels} mức đang dùng.',
  no_recent_service: 'Quầy {counterId} chưa phục vụ công dân nào để đánh giá.',
  rating_window_closed:
    'Đã hết thời gian đánh giá số {display}: chỉ nhận đánh giá trong {window} giây sau khi phục vụ xong.',
} as const;

export type RatingRefusalCode = keyof typeof ratingRefusalText;
