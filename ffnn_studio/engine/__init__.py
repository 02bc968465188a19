"""TensorFlow/Keras side: model building, training sessions, export, code generation (no Qt)."""
