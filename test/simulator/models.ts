/**
 * What the simulator knows of each model: its required and allowed input fields (every model's
 * schema sets additionalProperties: false) and what it generates. Facts from Pruna's OpenAPI 0.5.3.
 */
export type OutputKind = 'image' | 'video' | 'weights';

export interface SimulatedModel {
	required: string[];
	fields: string[];
	output: OutputKind;
}

export const simulatedModels: Record<string, SimulatedModel> = {
	'flux-dev': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'guidance', 'image_size', 'num_inference_steps', 'output_format', 'output_quality', 'prompt', 'seed', 'speed_mode'],
		output: 'image',
	},
	'flux-dev-lora': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'extra_lora', 'extra_lora_scale', 'guidance', 'image', 'lora', 'lora_scale', 'megapixels', 'num_inference_steps', 'num_outputs', 'output_format', 'output_quality', 'prompt', 'prompt_strength', 'seed', 'speed_mode'],
		output: 'image',
	},
	'flux-2-klein-4b': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'disable_safety_checker', 'go_fast', 'images', 'output_format', 'output_megapixels', 'output_quality', 'prompt', 'seed'],
		output: 'image',
	},
	'wan-i2v': {
		required: ['prompt', 'image'],
		fields: ['disable_safety_checker', 'frames_per_second', 'go_fast', 'image', 'interpolate_output', 'last_image', 'lora_scale_transformer', 'lora_scale_transformer_2', 'lora_weights_transformer', 'lora_weights_transformer_2', 'num_frames', 'prompt', 'resolution', 'sample_shift', 'seed'],
		output: 'video',
	},
	'wan-t2v': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'disable_safety_checker', 'frames_per_second', 'go_fast', 'interpolate_output', 'lora_scale_transformer', 'lora_scale_transformer_2', 'lora_weights_transformer', 'lora_weights_transformer_2', 'num_frames', 'optimize_prompt', 'prompt', 'resolution', 'sample_shift', 'seed'],
		output: 'video',
	},
	'wan-image-small': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'height', 'juiced', 'num_outputs', 'output_format', 'output_quality', 'prompt', 'seed', 'width'],
		output: 'image',
	},
	'qwen-image': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'disable_safety_checker', 'enhance_prompt', 'extra_lora_scale', 'extra_lora_weights', 'go_fast', 'guidance', 'image', 'image_size', 'lora_scale', 'lora_weights', 'negative_prompt', 'num_inference_steps', 'output_format', 'output_quality', 'prompt', 'seed', 'strength'],
		output: 'image',
	},
	'qwen-image-fast': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'creativity', 'disable_safety_checker', 'height', 'prompt', 'seed', 'width'],
		output: 'image',
	},
	'qwen-image-edit-plus': {
		required: ['prompt', 'image'],
		fields: ['aspect_ratio', 'disable_safety_checker', 'go_fast', 'image', 'output_format', 'output_quality', 'prompt', 'seed'],
		output: 'image',
	},
	'vace': {
		required: ['prompt'],
		fields: ['frame_num', 'prompt', 'sample_guide_scale', 'sample_shift', 'sample_solver', 'sample_steps', 'seed', 'size', 'speed_mode', 'src_mask', 'src_ref_images', 'src_video'],
		output: 'video',
	},
	'p-image': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'disable_safety_checker', 'height', 'hf_api_token', 'lora_scale', 'lora_weights', 'prompt', 'prompt_upsampling', 'seed', 'width'],
		output: 'image',
	},
	'p-image-edit': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'disable_safety_checker', 'images', 'prompt', 'seed', 'turbo'],
		output: 'image',
	},
	'p-image-lora': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'disable_safety_checker', 'height', 'hf_api_token', 'lora_scale', 'lora_weights', 'prompt', 'prompt_upsampling', 'seed', 'width'],
		output: 'image',
	},
	'p-image-edit-lora': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'disable_safety_checker', 'hf_api_token', 'images', 'lora_scale', 'lora_weights', 'prompt', 'seed', 'turbo'],
		output: 'image',
	},
	'p-image-trainer': {
		required: ['image_data'],
		fields: ['default_caption', 'image_data', 'learning_rate', 'steps', 'training_type'],
		output: 'weights',
	},
	'p-image-edit-trainer': {
		required: ['image_data'],
		fields: ['default_caption', 'image_data', 'learning_rate', 'steps'],
		output: 'weights',
	},
	'z-image-turbo': {
		required: ['prompt'],
		fields: ['go_fast', 'guidance_scale', 'height', 'num_inference_steps', 'output_format', 'output_quality', 'prompt', 'seed', 'width'],
		output: 'image',
	},
	'z-image-turbo-lora': {
		required: ['prompt'],
		fields: ['guidance_scale', 'height', 'lora_scales', 'lora_weights', 'num_inference_steps', 'output_format', 'output_quality', 'prompt', 'seed', 'width'],
		output: 'image',
	},
	'p-video': {
		required: ['prompt'],
		fields: ['aspect_ratio', 'audio', 'disable_safety_filter', 'draft', 'duration', 'fps', 'image', 'last_frame_image', 'prompt', 'prompt_upsampling', 'resolution', 'save_audio', 'seed'],
		output: 'video',
	},
	'p-video-animate': {
		required: ['video', 'image'],
		fields: ['disable_safety_checker', 'ignore_audio', 'image', 'instruction_prompt', 'resolution', 'save_audio', 'seed', 'target_fps', 'turbo', 'video'],
		output: 'video',
	},
	'p-video-replace': {
		required: ['video', 'images'],
		fields: ['disable_safety_checker', 'ignore_audio', 'images', 'instruction_prompt', 'resolution', 'save_audio', 'seed', 'target_fps', 'turbo', 'video'],
		output: 'video',
	},
	'p-video-avatar': {
		required: ['image'],
		fields: ['audio', 'disable_prompt_upsampling', 'disable_safety_filter', 'image', 'negative_prompt', 'resolution', 'seed', 'strength_negative_prompt', 'video_prompt', 'voice', 'voice_language', 'voice_prompt', 'voice_script'],
		output: 'video',
	},
	'p-image-upscale': {
		required: ['image'],
		fields: ['disable_safety_checker', 'enhance_details', 'enhance_realism', 'image', 'output_format', 'output_quality', 'target'],
		output: 'image',
	},
	'p-image-try-on': {
		required: ['person_image', 'garment_images'],
		fields: ['garment_images', 'output_format', 'output_quality', 'person_image', 'preserve_input_size', 'prompt', 'reference_pose', 'seed', 'turbo'],
		output: 'image',
	},
};
